/** Per-team byte quotas on OpenAI organization certificates and on server certificates, and the SAN list cap. */
import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import { sealedLength } from "../../../src/crypto/sealing";
import { database } from "../../../src/db/client";
import { createOrganizationCertificate, parseOrganizationCertificate } from "../../../src/services/organization-certificates";
import { MAX_NAMES_PER_CERTIFICATE, sanList } from "../../../src/services/limits/san-list";
import { call, env, newProject, newTenant } from "../../support/api";
import { makeCa, makeChain, type TestCa } from "../../support/pki-fixtures";
import { fakeNetwork, webhookIsolate } from "../../support/webhook-receiver-fakes";
import { testCommit } from "../issuance/acme-rows";

const db = database(env.DB);
/** A size as messages give it: "611 bytes", "4 KiB", "1 MiB". */
const SIZE = "\\d+ (?:bytes|KiB|MiB)";
let cas: TestCa[];

beforeAll(async () => {
  cas = await Promise.all([1, 2, 3].map((i) => makeCa({ cn: `Quota Org CA ${i}` })));
});

function refusal(run: () => unknown): Promise<AppError> {
  return Promise.resolve()
    .then(run)
    .then(
      () => {
        throw new Error("expected a refusal");
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(AppError);
        return error as AppError;
      },
    );
}

describe("organization certificates", () => {
  it("refuses a certificate that would pass the team's byte quota, storing nothing", async () => {
    const tenant = await newTenant();
    const first = await createOrganizationCertificate(db, tenant.teamId, { pem: cas[0]!.pem }, Date.now(), testCommit(), { ORGANIZATION_CERTIFICATE_BYTES_PER_TEAM: 10_000 });
    const limits = { ORGANIZATION_CERTIFICATE_BYTES_PER_TEAM: first.contentPem.length + 100 };
    const error = await refusal(() => createOrganizationCertificate(db, tenant.teamId, { pem: cas[1]!.pem }, Date.now(), testCommit(), limits));
    expect(error).toMatchObject({ code: "limit_reached", status: 409, param: "certificate" });
    expect(error.message).toMatch(new RegExp(`^This certificate \\(${SIZE}\\) would take the organization's certificates past ${SIZE} \\(${SIZE} in use\\); delete one before uploading another$`));
    const count = await env.DB.prepare("SELECT count(*) AS n FROM organization_certificates WHERE team_id = ?").bind(tenant.teamId).first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it("stops 20 concurrent uploads at the byte quota: the room left is taken, the rest get the 409, only stored ones are recorded", async () => {
    const tenant = await newTenant();
    const size = parseOrganizationCertificate(cas[0]!.pem).contentPem.length;
    const isolate = webhookIsolate(fakeNetwork(), { ORGANIZATION_CERTIFICATE_BYTES_PER_TEAM: String(5 * size + Math.floor(size / 2)) });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => isolate.request("POST", "/v1/organization/certificates", tenant.token, { certificate: cas[0]!.pem })),
    );
    expect(answers.map((res) => res.status).sort()).toEqual([...Array(5).fill(200), ...Array(15).fill(409)]);
    for (const res of answers.filter((r) => r.status === 409)) expect(res.body.error).toMatchObject({ code: "limit_reached", param: "certificate" });
    const stored = await env.DB.prepare("SELECT id FROM organization_certificates WHERE team_id = ? ORDER BY id").bind(tenant.teamId).all<{ id: string }>();
    const recorded = await env.DB.prepare("SELECT target FROM audit_log WHERE team_id = ? AND action = 'POST /v1/organization/certificates' ORDER BY target")
      .bind(tenant.teamId)
      .all<{ target: string }>();
    expect(stored.results).toHaveLength(5);
    expect(recorded.results.map((row) => row.target)).toEqual(stored.results.map((row) => row.id));
  });

  it("keeps the count limit's own message", async () => {
    const tenant = await newTenant();
    const now = Date.now();
    const pems = Array.from({ length: 50 }, (_, i) => cas[i % 3]!.pem);
    for (const pem of pems) await createOrganizationCertificate(db, tenant.teamId, { pem }, now, testCommit());
    const error = await refusal(() => createOrganizationCertificate(db, tenant.teamId, { pem: cas[0]!.pem }, now, testCommit()));
    expect(error.message).toBe("An organization can hold at most 50 certificates; delete one before uploading another");
  });
});

describe("server certificates: the count and bytes are checked in the statement that stores", () => {
  const COUNT_REFUSAL = (limit: number) => `A team can hold at most ${limit} certificates; delete one before adding another`;
  const teamCertificates = async (teamId: string) =>
    (await env.DB.prepare("SELECT count(*) AS n FROM certificates WHERE team_id = ?").bind(teamId).first<{ n: number }>())!.n;
  const uploadRows = async (teamId: string, action: string) =>
    (await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE team_id = ? AND action = ?").bind(teamId, action).first<{ n: number }>())!.n;

  /** A tenant whose requests go to an isolate configured with `limits`, and `projects` projects with a domain each. */
  async function quotaTeam(limits: Record<string, string>, projects = 1) {
    const tenant = await newTenant();
    const isolate = webhookIsolate(fakeNetwork(), limits);
    const made = [];
    for (let i = 0; i < projects; i++) made.push(await newProject(tenant));
    return { tenant, isolate, projects: made };
  }

  const vercelUpload = (chain: { leafPem: string; keyPem: string; rootPem: string }) => ({ cert: chain.leafPem, key: chain.keyPem, ca: chain.rootPem });
  const nativeUpload = (chain: { chainPem: string; keyPem: string }) => ({ certificate: chain.chainPem, privateKey: chain.keyPem });

  it("refuses past the count, storing nothing and recording nothing; a replacement is not counted", async () => {
    const { tenant, isolate, projects } = await quotaTeam({ CERTIFICATES_PER_TEAM: "2" }, 3);
    const chains = await Promise.all(projects.map((project) => makeChain({ names: [project.domain!] })));
    const upload = (i: number) => isolate.request("POST", `/api/v1/projects/${projects[i]!.id}/certificate/upload`, tenant.token, nativeUpload(chains[i]!));
    expect((await upload(0)).status).toBe(200);
    expect((await upload(1)).status).toBe(200);
    const refused = await upload(2);
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body).toMatchObject({ success: false, code: "limit_reached", error: COUNT_REFUSAL(2) });
    expect(await teamCertificates(tenant.teamId)).toBe(2);
    expect(await uploadRows(tenant.teamId, "POST /api/v1/projects/:id/certificate/upload")).toBe(2);
    // The team is at its limit, and still replaces a project's certificate: the one replaced is not counted.
    const replaced = await upload(0);
    expect(replaced.status, replaced.text).toBe(200);
    expect(await teamCertificates(tenant.teamId)).toBe(2);
  });

  it("refuses past the bytes, saying how much is in use, and keeps the certificate it would have replaced", async () => {
    const { tenant, projects } = await quotaTeam({}, 2);
    const [first, second] = await Promise.all(projects.map((project) => makeChain({ names: [project.domain!] })));
    expect((await call("POST", `/api/v1/projects/${projects[0]!.id}/certificate/upload`, { token: tenant.token, json: nativeUpload(first!) })).status).toBe(200);
    const stored = await env.DB.prepare(
      "SELECT id, length(certificate_pem) + length(chain_pem) + length(sealed_key) AS bytes FROM certificates WHERE team_id = ?",
    ).bind(tenant.teamId).first<{ id: string; bytes: number }>();
    // The second upload is the same kind of certificate (same key type, same chain), sealed to the same length give or take a name.
    const tight = webhookIsolate(fakeNetwork(), { CERTIFICATE_BYTES_PER_TEAM: String(stored!.bytes + 100) });
    const refused = await tight.request("POST", `/api/v1/projects/${projects[1]!.id}/certificate/upload`, tenant.token, nativeUpload(second!));
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.error).toMatch(new RegExp(`^This certificate \\(${SIZE} stored\\) would take the team's certificates past ${SIZE} \\(${SIZE} in use\\); delete some first$`));
    expect(await teamCertificates(tenant.teamId)).toBe(1);
    // Replacing the first with the second fits: the replaced row's bytes are not counted.
    const swap = await tight.request("POST", `/api/v1/projects/${projects[0]!.id}/certificate/upload`, tenant.token, nativeUpload(await makeChain({ names: [projects[0]!.domain!] })));
    expect(swap.status, swap.text).toBe(200);
    expect(swap.body.certificate.id).toBe(stored!.id);
  });

  describe.each([
    ["Vercel PUT /v8/certs", "PUT /v8/certs"],
    ["native upload", "POST /api/v1/projects/:id/certificate/upload"],
  ])("20 concurrent uploads at the edge (%s)", (_surface, action) => {
    const vercel = action === "PUT /v8/certs";
    /** Sends 20 uploads at once: to the team (Vercel), or one to each of 20 projects (a project holds one). */
    async function race(limits: Record<string, string>) {
      const { tenant, isolate, projects } = await quotaTeam(limits, vercel ? 1 : 20);
      const chains = await Promise.all(Array.from({ length: 20 }, (_, i) => makeChain({ names: [projects[vercel ? 0 : i]!.domain!] })));
      const answers = await Promise.all(
        chains.map((chain, i) =>
          vercel
            ? isolate.request("PUT", "/v8/certs", tenant.token, vercelUpload(chain))
            : isolate.request("POST", `/api/v1/projects/${projects[i]!.id}/certificate/upload`, tenant.token, nativeUpload(chain)),
        ),
      );
      return { tenant, answers, chains };
    }
    const message = (res: { body: any }) => (vercel ? res.body.error.message : res.body.error);

    it("stop at the count: exactly the room left is stored, the rest get the quota's 409", async () => {
      const { tenant, answers } = await race({ CERTIFICATES_PER_TEAM: "5" });
      expect(answers.map((res) => res.status).sort()).toEqual([...Array(5).fill(200), ...Array(15).fill(409)]);
      for (const res of answers.filter((r) => r.status === 409)) expect(message(res)).toBe(COUNT_REFUSAL(5));
      expect(await teamCertificates(tenant.teamId)).toBe(5);
      expect(await uploadRows(tenant.teamId, action)).toBe(5);
    });

    it("stop at the bytes", async () => {
      // Certificates of one kind seal to within a few bytes of each other: room for three and a half.
      const probe = await makeChain({ names: ["probe.example.com"] });
      const approx = probe.chainPem.length + (vercel ? probe.rootPem.length : 0) + sealedLength(probe.keyPem);
      const { tenant, answers } = await race({ CERTIFICATE_BYTES_PER_TEAM: String(Math.floor(approx * 3.5)) });
      const stored = answers.filter((res) => res.status === 200).length;
      expect(answers.every((res) => res.status === 200 || res.status === 409)).toBe(true);
      const used = await env.DB.prepare(
        "SELECT coalesce(sum(length(certificate_pem) + length(chain_pem) + length(sealed_key)), 0) AS bytes FROM certificates WHERE team_id = ?",
      ).bind(tenant.teamId).first<{ bytes: number }>();
      expect(used!.bytes).toBeLessThanOrEqual(Math.floor(approx * 3.5));
      expect(stored).toBeGreaterThan(0);
      expect(stored).toBeLessThan(20);
      expect(await teamCertificates(tenant.teamId)).toBe(stored);
      for (const res of answers.filter((r) => r.status === 409)) expect(message(res)).toMatch(/would take the team's certificates past/);
    });
  });
});

describe("sanList", () => {
  it("drops duplicates however they are spelled, keeping the first order", () => {
    expect(sanList(["A.example.com", "a.example.com.", " b.example.com", "a.EXAMPLE.com"], "cns")).toEqual(["a.example.com", "b.example.com"]);
  });

  it("refuses more than 100 distinct names and none at all, naming the field", async () => {
    const names = Array.from({ length: MAX_NAMES_PER_CERTIFICATE + 1 }, (_, i) => `n${i}.example.com`);
    expect(sanList([...names.slice(0, 100), ...names.slice(0, 100)], "cns")).toHaveLength(100);
    const tooMany = await refusal(() => sanList(names, "cns"));
    expect(tooMany).toMatchObject({ status: 400, param: "cns", message: "cns: at most 100 names per certificate (101 given)" });
    expect((await refusal(() => sanList([], "cns"))).message).toBe("cns: give at least one name");
  });
});
