/**
 * Every upload path refuses a certificate with more than 100 names (Let's Encrypt's maximum) with a 400 that names the
 * limit, and stores nothing: native validate and upload, Vercel `PUT /v8/certs` (with and without `skipValidation`),
 * and the Vercel client-certificate upload. A certificate with exactly 100 names still passes. The names are all the
 * team's (a held wildcard), so the limit, not the names rule, is what refuses.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_NAMES_PER_CERTIFICATE } from "../../../src/services/limits/san-list";
import { call, env, newProject, newTenant, type Tenant, uniqueDomain } from "../../support/api";
import { makeCa, makeChain, type TestCa, type TestChain } from "../../support/pki-fixtures";

let tenant: Tenant;
let projectId: string;
let base: string;
let atLimit: TestChain;
let overLimit: TestChain;
let clientCa: TestCa;

/** `count` names the team holds through its project's `*.<base>`: the wildcard itself, then names one label below. */
const heldNames = (count: number) => [`*.${base}`, ...Array.from({ length: count - 1 }, (_, i) => `host-${i}-with-a-rather-long-label.${base}`)];

beforeAll(async () => {
  tenant = await newTenant();
  base = uniqueDomain("many-names");
  projectId = (await newProject(tenant, `*.${base}`)).id;
  [atLimit, overLimit, clientCa] = await Promise.all([
    makeChain({ names: heldNames(MAX_NAMES_PER_CERTIFICATE) }),
    makeChain({ names: heldNames(MAX_NAMES_PER_CERTIFICATE + 1) }),
    makeCa({ cn: "Many Names Client CA" }),
  ]);
});

const LIMIT_MESSAGE = (field: string) => `${field}: at most 100 names per certificate (101 given)`;

async function storedCertificates(): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM certificates WHERE team_id = ?").bind(tenant.teamId).first<{ n: number }>();
  return row!.n;
}

describe("the native API", () => {
  it("validate answers 400 naming the limit, not a report", async () => {
    const over = await call("POST", `/api/v1/projects/${projectId}/certificate/validate`, {
      token: tenant.token,
      json: { certificate: overLimit.chainPem, privateKey: overLimit.keyPem },
    });
    expect(over.status, over.text).toBe(400);
    expect(over.body).toMatchObject({ success: false, code: "validation_failed", error: LIMIT_MESSAGE("certificate") });
    const at = await call("POST", `/api/v1/projects/${projectId}/certificate/validate`, {
      token: tenant.token,
      json: { certificate: atLimit.chainPem, privateKey: atLimit.keyPem },
    });
    expect(at.status, at.text).toBe(200);
    expect(at.body.valid).toBe(true);
  });

  it("validate still answers 404 for another team's project first", async () => {
    const stranger = await newTenant();
    const res = await call("POST", `/api/v1/projects/${projectId}/certificate/validate`, {
      token: stranger.token,
      json: { certificate: overLimit.chainPem, privateKey: overLimit.keyPem },
    });
    expect(res.status, res.text).toBe(404);
  });

  it("upload answers 400 and stores nothing; 100 names are stored", async () => {
    const over = await call("POST", `/api/v1/projects/${projectId}/certificate/upload`, {
      token: tenant.token,
      json: { certificate: overLimit.chainPem, privateKey: overLimit.keyPem },
    });
    expect(over.status, over.text).toBe(400);
    expect(over.body).toMatchObject({ code: "validation_failed", error: LIMIT_MESSAGE("certificate") });
    expect(await storedCertificates()).toBe(0);
    const at = await call("POST", `/api/v1/projects/${projectId}/certificate/upload`, {
      token: tenant.token,
      json: { certificate: atLimit.chainPem, privateKey: atLimit.keyPem },
    });
    expect(at.status, at.text).toBe(200);
    expect(at.body.certificate.names).toHaveLength(MAX_NAMES_PER_CERTIFICATE);
    await call("DELETE", `/api/v1/projects/${projectId}/certificate`, { token: tenant.token });
  });
});

describe("Vercel PUT /v8/certs", () => {
  it("answers 400 naming the limit, whatever skipValidation says, and stores nothing", async () => {
    const before = await storedCertificates();
    for (const skipValidation of [false, true]) {
      const res = await call("PUT", "/v8/certs", {
        token: tenant.token,
        json: { cert: overLimit.chainPem, key: overLimit.keyPem, ca: overLimit.rootPem, skipValidation },
      });
      expect(res.status, res.text).toBe(400);
      expect(res.body.error).toMatchObject({ message: LIMIT_MESSAGE("cert") });
    }
    expect(await storedCertificates()).toBe(before);
    const at = await call("PUT", "/v8/certs", { token: tenant.token, json: { cert: atLimit.chainPem, key: atLimit.keyPem, ca: atLimit.rootPem, skipValidation: true } });
    expect(at.status, at.text).toBe(200);
    expect(at.body.cns).toHaveLength(MAX_NAMES_PER_CERTIFICATE);
  });
});

describe("Vercel client certificates", () => {
  it("answers 400 naming the limit and stores nothing", async () => {
    const project = await newProject(tenant, null);
    const names = heldNames(MAX_NAMES_PER_CERTIFICATE + 1).map((name) => name.replace("*.", "wild."));
    const client = await makeChain({ issuer: clientCa, eku: ["clientAuth"], names, cn: "many-names-client" });
    const res = await call("POST", `/v1/projects/${project.id}/client-cert`, {
      token: tenant.token,
      json: { cert: client.leafPem, key: client.keyPem, ca: clientCa.pem },
    });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error).toMatchObject({ message: LIMIT_MESSAGE("cert") });
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM client_certificates WHERE project_id = ?").bind(project.id).first<{ n: number }>();
    expect(stored!.n).toBe(0);
    const fewer = await makeChain({ issuer: clientCa, eku: ["clientAuth"], names: names.slice(0, MAX_NAMES_PER_CERTIFICATE), cn: "client" });
    const ok = await call("POST", `/v1/projects/${project.id}/client-cert`, { token: tenant.token, json: { cert: fewer.leafPem, key: fewer.keyPem, ca: clientCa.pem } });
    expect(ok.status, ok.text).toBe(200);
  });
});
