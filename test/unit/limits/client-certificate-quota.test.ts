/** Client certificates: stored CA input is only its certificates, and each team's rows and bytes are bounded. */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import { database } from "../../../src/db/client";
import { projects } from "../../../src/db/schema";
import { depsFrom } from "../../../src/deps";
import { type ClientCertificateLimits, normalizeCaPem, uploadClientCertificate } from "../../../src/services/client-certificates";
import type { ProjectRow } from "../../../src/services/projects";
import { call, env, newProject, newTenant, type Tenant } from "../../support/api";
import { fakeNetwork, webhookIsolate } from "../../support/webhook-receiver-fakes";
import { testCommit } from "../issuance/acme-rows";
import { makeCa, makeChain, type TestCa } from "../../support/pki-fixtures";

type Chain = Awaited<ReturnType<typeof makeChain>>;

let ca: TestCa;
let client: Chain;
const db = database(env.DB);
const roomy: ClientCertificateLimits = { CLIENT_CERTIFICATES_PER_PROJECT: 100, CLIENT_CERTIFICATES_PER_TEAM: 1_000, CLIENT_CERTIFICATE_BYTES_PER_TEAM: 10 * 1024 * 1024 };

beforeAll(async () => {
  ca = await makeCa({ cn: "Quota Client CA" });
  client = await makeChain({ issuer: ca, eku: ["clientAuth"], names: [], cn: "quota-client" });
});

async function projectRow(id: string): Promise<ProjectRow> {
  return (await db.query.projects.findFirst({ where: eq(projects.id, id) }))!;
}

/** Uploads `client` for `origin` through the service, with `limits`. */
function upload(project: ProjectRow, origin: string, limits: ClientCertificateLimits, ca_ = ca.pem) {
  const { ENCRYPTION_KEY } = depsFrom(env).config;
  return uploadClientCertificate(db, ENCRYPTION_KEY, project, { cert: client.leafPem, key: client.keyPem, ca: ca_, origin }, Date.now(), testCommit(), limits);
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function rowsOf(project: ProjectRow) {
  return (await env.DB.prepare("SELECT id, origin FROM client_certificates WHERE project_id = ? ORDER BY origin").bind(project.id).all()).results;
}

let tenant: Tenant;
beforeAll(async () => {
  tenant = await newTenant();
});

describe("stored CA input", () => {
  it("keeps only the parsed certificates, re-encoded and de-duplicated, not the raw input", async () => {
    const project = await projectRow((await newProject(tenant, null)).id);
    const padded = `Bag Attributes: friendlyName ${"x".repeat(4000)}\r\n${ca.pem}\r\n\r\n${ca.pem}subject=CN=again\n${ca.pem}`;
    const { row } = await upload(project, "https://ca.example.com", roomy, padded);
    expect(row.caPem).toBe(normalizeCaPem(ca.pem));
    expect(row.caPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    const stored = await env.DB.prepare("SELECT ca_pem FROM client_certificates WHERE id = ?").bind(row.id).first<{ ca_pem: string }>();
    expect(stored?.ca_pem).toBe(row.caPem);
    expect(stored!.ca_pem.length).toBeLessThan(padded.length / 3);
  });
});

describe("quotas", () => {
  it("refuses a project's next origin past its count with 409, changing nothing; replacing still works", async () => {
    const project = await projectRow((await newProject(tenant, null)).id);
    const limits = { ...roomy, CLIENT_CERTIFICATES_PER_PROJECT: 2 };
    await upload(project, "https://a.example.com", limits);
    await upload(project, "https://b.example.com", limits);
    const before = await rowsOf(project);
    const error = await refusal(upload(project, "https://c.example.com", limits));
    expect(error).toMatchObject({ code: "limit_reached", status: 409, param: "origin" });
    expect(error.message).toBe("A project can hold at most 2 client certificates; delete one before adding another origin");
    expect(await rowsOf(project)).toEqual(before);
    const replaced = await upload(project, "https://a.example.com", limits);
    expect(replaced.updated).toBe(true);
  });

  it("counts a team's client certificates across its projects", async () => {
    const team = await newTenant();
    const [p1, p2] = [await projectRow((await newProject(team, null)).id), await projectRow((await newProject(team, null)).id)];
    const limits = { ...roomy, CLIENT_CERTIFICATES_PER_TEAM: 2 };
    await upload(p1, "https://a.example.com", limits);
    await upload(p2, "https://a.example.com", limits);
    const error = await refusal(upload(p2, "https://b.example.com", limits));
    expect(error.message).toBe("A team can hold at most 2 client certificates; delete one before uploading another");
    expect(await rowsOf(p2)).toHaveLength(1);
  });

  it("bounds the bytes a team's client certificates take, keeping the certificate a refused replacement would replace", async () => {
    const team = await newTenant();
    const project = await projectRow((await newProject(team, null)).id);
    const { row } = await upload(project, "https://a.example.com", roomy);
    const oneRow = row.certificatePem.length + row.caPem.length + row.sealedKey.length;
    const limits = { ...roomy, CLIENT_CERTIFICATE_BYTES_PER_TEAM: oneRow + 100 };
    const error = await refusal(upload(project, "https://b.example.com", limits));
    expect(error.code).toBe("limit_reached");
    expect(error.message).toMatch(/^This client certificate \(\d+ KiB stored\) would take the team's client certificates past \d+ KiB \(\d+ KiB in use\)/);
    // A replacement is judged without the row it replaces; one that would not fit leaves that row in place.
    await upload(project, "https://a.example.com", limits);
    const tooBig = { ...limits, CLIENT_CERTIFICATE_BYTES_PER_TEAM: oneRow - 100 };
    const kept = await rowsOf(project);
    await refusal(upload(project, "https://a.example.com", tooBig));
    expect(await rowsOf(project)).toEqual(kept);
  });

  it("lets exactly one of two concurrent uploads take the last place", async () => {
    const team = await newTenant();
    const project = await projectRow((await newProject(team, null)).id);
    const limits = { ...roomy, CLIENT_CERTIFICATES_PER_PROJECT: 1 };
    const results = await Promise.allSettled([upload(project, "https://a.example.com", limits), upload(project, "https://b.example.com", limits)]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(await rowsOf(project)).toHaveLength(1);
  });

  it("stops 20 concurrent uploads at the team's count: the room left is taken, the rest get the 409, and only stored ones are recorded", async () => {
    const team = await newTenant();
    const isolate = webhookIsolate(fakeNetwork(), { CLIENT_CERTIFICATES_PER_TEAM: "5" });
    const project = await newProject(team, null);
    const body = (origin: string) => ({ cert: client.leafPem, key: client.keyPem, ca: ca.pem, origin });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => isolate.request("POST", `/v1/projects/${project.id}/client-cert`, team.token, body(`https://race${i}.example.com`))),
    );
    expect(answers.map((res) => res.status).sort()).toEqual([...Array(5).fill(200), ...Array(15).fill(409)]);
    for (const res of answers.filter((r) => r.status === 409)) {
      expect(res.body.error.message).toBe("A team can hold at most 5 client certificates; delete one before uploading another");
    }
    const stored = await env.DB.prepare("SELECT id FROM client_certificates WHERE team_id = ? ORDER BY id").bind(team.teamId).all<{ id: string }>();
    const recorded = await env.DB.prepare("SELECT target FROM audit_log WHERE team_id = ? AND action = 'POST /v1/projects/:idOrName/client-cert' ORDER BY target")
      .bind(team.teamId)
      .all<{ target: string }>();
    expect(stored.results.map((row) => row.id)).toHaveLength(5);
    expect(recorded.results.map((row) => row.target)).toEqual(stored.results.map((row) => row.id));
  });

  it("applies the default limits through the Vercel route, as a 409 in Vercel's shape", async () => {
    const team = await newTenant();
    const project = await newProject(team, null);
    const body = (origin: string) => ({ cert: client.leafPem, key: client.keyPem, ca: ca.pem, origin });
    for (let i = 0; i < 20; i++) {
      const res = await call("POST", `/v1/projects/${project.id}/client-cert`, { token: team.token, json: body(`https://o${i}.example.com`) });
      expect(res.status).toBe(200);
    }
    const res = await call("POST", `/v1/projects/${project.id}/client-cert`, { token: team.token, json: body("https://o20.example.com") });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: { code: "conflict", message: "A project can hold at most 20 client certificates; delete one before adding another origin" } });
  });
});
