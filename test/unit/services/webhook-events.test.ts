/**
 * Which changes record which certificate events: uploads, deletions (of a certificate and of its project), the Vercel
 * surface, the end of an issuance job (issued, renewed, renewal_failed), deploy deliveries; and the expiry scan, which
 * announces each notice once per expiry and starts over after a renewal. Events are read from the outbox and the
 * event each message belongs to (the isolate's queue is a fake, so nothing is delivered here: webhook-delivery.test.ts
 * delivers).
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { commitWithAudit } from "../../../src/http/audited-commit";
import type { IssueRequest } from "../../../src/issuance/issue-request";
import { createDeployTarget } from "../../../src/services/deploy-targets/configure";
import { deliverToTarget } from "../../../src/services/deploy-targets/deliver";
import { getProject } from "../../../src/services/projects";
import { announceExpiries } from "../../../src/services/webhooks/expiry-scan";
import { announceIssuance } from "../../../src/services/webhooks/issuance-events";
import { newProject, newTenant, type Tenant } from "../../support/api";
import { recordedEvents, teamWithEndpoint as teamWithEndpointOf } from "../../support/webhook-outbox";
import { createCloudflareSslFake } from "../../support/deploy-fakes/cloudflare-ssl";
import { dayMs, makeChain } from "../../support/pki-fixtures";
import { fakeNetwork, webhookDeps, webhookIsolate, type WebhookIsolate } from "../../support/webhook-receiver-fakes";

const network = fakeNetwork();
let isolate: WebhookIsolate;

beforeAll(() => {
  isolate = webhookIsolate(network);
});

const teamWithEndpoint = (events?: string[]) => teamWithEndpointOf(isolate, events);
const events = recordedEvents;

async function uploadTo(tenant: Tenant, projectId: string, domain: string) {
  const chain = await makeChain({ names: [domain] });
  const res = await isolate.request("POST", `/api/v1/projects/${projectId}/certificate/upload`, tenant.token, { certificate: chain.chainPem, privateKey: chain.keyPem });
  expect(res.status, res.text).toBe(200);
  return res.body.certificate as { id: string; serial: string; expiresAt: string };
}

describe("events of the API's changes", () => {
  it("an upload, then the certificate's removal", async () => {
    const { tenant, endpointId } = await teamWithEndpoint();
    const project = await newProject(tenant);
    const certificate = await uploadTo(tenant, project.id, project.domain!);
    expect((await isolate.request("DELETE", `/api/v1/projects/${project.id}/certificate`, tenant.token)).status).toBe(200);
    const recorded = await events(endpointId);
    expect(recorded.map((e) => e.type)).toEqual(["certificate.uploaded", "certificate.deleted"]);
    for (const event of recorded) {
      expect(event.data).toMatchObject({
        certificateId: certificate.id,
        domain: project.domain,
        names: [project.domain],
        projectId: project.id,
        teamId: tenant.teamId,
        certificateType: "custom",
        serial: certificate.serial,
        expiresAt: certificate.expiresAt,
      });
      expect(JSON.stringify(event)).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
    }
  });

  it("deleting a project announces its certificate's deletion", async () => {
    const { tenant, endpointId } = await teamWithEndpoint();
    const project = await newProject(tenant);
    const certificate = await uploadTo(tenant, project.id, project.domain!);
    expect((await isolate.request("DELETE", `/api/v1/projects/${project.id}`, tenant.token)).status).toBe(200);
    const recorded = await events(endpointId);
    expect(recorded.map((e) => [e.type, e.data.certificateId])).toEqual([
      ["certificate.uploaded", certificate.id],
      ["certificate.deleted", certificate.id],
    ]);
  });

  it("the Vercel surface's upload and removal, with no project", async () => {
    const { tenant, endpointId } = await teamWithEndpoint();
    const project = await newProject(tenant);
    const chain = await makeChain({ names: [project.domain!] });
    const put = await isolate.request("PUT", "/v8/certs", tenant.token, { cert: chain.chainPem, key: chain.keyPem, ca: chain.rootPem });
    expect(put.status, put.text).toBe(200);
    expect((await isolate.request("DELETE", `/v8/certs/${put.body.id}`, tenant.token)).status).toBe(200);
    const recorded = await events(endpointId);
    expect(recorded.map((e) => [e.type, e.data.certificateId, e.data.projectId])).toEqual([
      ["certificate.uploaded", put.body.id, null],
      ["certificate.deleted", put.body.id, null],
    ]);
  });

  it("a refused upload records nothing, and neither does a team without endpoints", async () => {
    const { tenant, endpointId } = await teamWithEndpoint();
    const project = await newProject(tenant);
    const wrong = await makeChain({ names: ["elsewhere.example.org"] });
    const res = await isolate.request("POST", `/api/v1/projects/${project.id}/certificate/upload`, tenant.token, { certificate: wrong.chainPem, privateKey: wrong.keyPem });
    expect(res.status).toBe(400);
    expect(await events(endpointId)).toEqual([]);
    const quiet = await newTenant();
    const other = await newProject(quiet);
    await uploadTo(quiet, other.id, other.domain!);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM webhook_outbox WHERE team_id = ?").bind(quiet.teamId).first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });
});

describe("events of an issuance job", () => {
  function request(tenant: Tenant, kind: "obtain" | "renew", extra: Partial<IssueRequest> = {}): IssueRequest {
    return {
      kind,
      teamId: tenant.teamId,
      projectId: null,
      names: ["x.example.com"],
      challengeType: "http-01",
      keySpec: { keyType: "ec", curve: "P-256" },
      email: null,
      directoryUrl: "https://127.0.0.1:9/directory",
      staging: false,
      dryRun: false,
      autoRenew: true,
      ...extra,
    };
  }

  it("issued for an obtain, renewed for a renewal, renewal_failed with the CA's words for a failed renewal; nothing else", async () => {
    const { tenant, endpointId } = await teamWithEndpoint();
    const project = await newProject(tenant);
    const certificate = await uploadTo(tenant, project.id, project.domain!);
    const { deps } = webhookDeps(network);
    const error = { code: "ca_unreachable" as const, message: "Could not reach the ACME CA", status: 503, retryable: true };
    await announceIssuance(deps, request(tenant, "obtain"), { state: "issued", certificateId: certificate.id, renewedFrom: null });
    await announceIssuance(deps, request(tenant, "renew", { certificateId: certificate.id }), { state: "issued", certificateId: certificate.id, renewedFrom: 1 });
    await announceIssuance(deps, request(tenant, "renew", { certificateId: certificate.id, trigger: "sweep" }), { state: "failed", error });
    // Not events: a failed obtain (the caller hears of it), a dry run, a skipped renewal, another team's certificate.
    await announceIssuance(deps, request(tenant, "obtain"), { state: "failed", error });
    await announceIssuance(deps, request(tenant, "obtain", { dryRun: true }), { state: "validated", names: ["x.example.com"] });
    await announceIssuance(deps, request(tenant, "renew", { certificateId: certificate.id }), { state: "skipped", reason: "Not due for renewal" });
    const stranger = await newTenant();
    await announceIssuance(deps, request(stranger, "renew", { certificateId: certificate.id }), { state: "failed", error });

    const recorded = (await events(endpointId)).slice(1); // after the upload's
    expect(recorded.map((e) => e.type)).toEqual(["certificate.issued", "certificate.renewed", "certificate.renewal_failed"]);
    expect(recorded.every((e) => e.data.certificateId === certificate.id)).toBe(true);
    expect(recorded[2]!.data).toMatchObject({ error: "Could not reach the ACME CA", trigger: "sweep", nextRenewalAt: null });
  });
});

describe("events of deploy deliveries", () => {
  it("deployed when a target gets the certificate; deployment_failed on the first failure of a run only", async () => {
    const { tenant, endpointId } = await teamWithEndpoint(["certificate.deployed", "certificate.deployment_failed"]);
    const { id, domain } = await newProject(tenant);
    await uploadTo(tenant, id, domain!);
    const fake = createCloudflareSslFake({ apiToken: "cf-deploy-token-0123456789abcdefghijkl", zones: { "0123456789abcdef0123456789abcdef": "example.com" } });
    const { deps } = webhookDeps(network);
    const project = await getProject(deps.db, tenant.teamId, id);
    const commit = commitWithAudit(deps.db, { actor: "test", action: "POST /api/v1/projects/:id/deploy-targets" }, () => Date.now());
    const { row } = await createDeployTarget(
      deps,
      project,
      { kind: "cloudflare_zone_certificate", settings: { zoneId: "0123456789abcdef0123456789abcdef" }, credentials: { apiToken: "cf-deploy-token-0123456789abcdefghijkl" } },
      commit,
    );
    const failing = { ...deps, deployFetch: async () => new Response("unavailable", { status: 503 }) };
    expect((await deliverToTarget(failing, row.id, { trigger: "test" })).state).toBe("failed");
    expect((await deliverToTarget(failing, row.id, { trigger: "test", force: true })).state).toBe("failed");
    expect((await deliverToTarget({ ...deps, deployFetch: fake.fetch }, row.id, { trigger: "test" })).state).toBe("delivered");
    const recorded = await events(endpointId);
    expect(recorded.map((e) => e.type)).toEqual(["certificate.deployment_failed", "certificate.deployed"]);
    expect(recorded[0]!.data).toMatchObject({ deployTargetId: row.id, deployTargetKind: "cloudflare_zone_certificate", error: expect.stringContaining("503") });
    expect(recorded[1]!.data).toMatchObject({ deployTargetId: row.id, trigger: "test" });
    expect(JSON.stringify(recorded)).not.toContain("cf-deploy-token");
  });
});

describe("the expiry scan", () => {
  // Each test works at its own instants, decades before any real certificate's, so a scan sees only its own rows.
  let epoch = 700_000_000_000;
  const nextEpoch = () => (epoch -= 400 * dayMs);
  let sequence = 0;

  async function insertCertificate(teamId: string, issuedAt: number, expiresAt: number, state = "active"): Promise<string> {
    const id = `cert_expiry_${sequence++}_${Math.random().toString(36).slice(2, 8)}`;
    await env.DB.prepare(
      `INSERT INTO certificates (id, team_id, project_id, type, state, domain, names, certificate_pem, sealed_key, key_type, issuer, serial,
         fingerprint, issued_at, expires_at, created_at, updated_at)
       VALUES (?, ?, NULL, 'custom', ?, 'old.example.com', '["old.example.com"]', '', '', 'ec', 'test', '0a', 'ff', ?, ?, 0, 0)`,
    )
      .bind(id, teamId, state, issuedAt, expiresAt)
      .run();
    return id;
  }

  const scan = (asOf: number) => announceExpiries(webhookDeps(network).deps, asOf);
  const notices = async (endpointId: string, certificateId: string) =>
    (await events(endpointId)).filter((e) => e.data.certificateId === certificateId).map((e) => [e.type, e.data.thresholdDays ?? null]);

  it("announces 30, 14, 7 and 1 days before a 90-day certificate expires, then its expiry, each once", async () => {
    const T = nextEpoch();
    const { tenant, endpointId } = await teamWithEndpoint();
    const id = await insertCertificate(tenant.teamId, T, T + 90 * dayMs);
    expect(await scan(T + 50 * dayMs)).toEqual({ seen: 0, announced: 0 });
    expect(await scan(T + 61 * dayMs)).toEqual({ seen: 1, announced: 1 });
    expect(await scan(T + 61 * dayMs)).toEqual({ seen: 0, announced: 0 });
    expect(await scan(T + 70 * dayMs)).toEqual({ seen: 0, announced: 0 });
    await scan(T + 77 * dayMs);
    await scan(T + 84 * dayMs);
    await scan(T + 89.5 * dayMs);
    await scan(T + 89.6 * dayMs);
    await scan(T + 90 * dayMs + 1000);
    expect(await scan(T + 91 * dayMs)).toEqual({ seen: 0, announced: 0 });
    expect(await notices(endpointId, id)).toEqual([
      ["certificate.expiring", 30],
      ["certificate.expiring", 14],
      ["certificate.expiring", 7],
      ["certificate.expiring", 1],
      ["certificate.expired", null],
    ]);
    const first = (await events(endpointId))[0]!;
    // Uploaded: nothing renews it, so every notice is sent, saying so.
    expect(first.data).toMatchObject({ certificateId: id, teamId: tenant.teamId, projectId: null, daysLeft: 29, reason: "auto_renew_off", error: null, renewalFailures: 0, nextRenewalAt: null });
  });

  it("announces only the notice due when first seen, and starts over once the certificate is renewed", async () => {
    const T = nextEpoch();
    const { tenant, endpointId } = await teamWithEndpoint();
    const id = await insertCertificate(tenant.teamId, T, T + 90 * dayMs);
    await scan(T + 85 * dayMs);
    // Renewed in place (same id, new dates), as a renewal stores it.
    await env.DB.prepare("UPDATE certificates SET issued_at = ?, expires_at = ? WHERE id = ?").bind(T + 86 * dayMs, T + 176 * dayMs, id).run();
    expect(await scan(T + 100 * dayMs)).toEqual({ seen: 0, announced: 0 });
    await scan(T + 147 * dayMs);
    expect(await notices(endpointId, id)).toEqual([
      ["certificate.expiring", 7],
      ["certificate.expiring", 30],
    ]);
  });

  it("scales a short certificate's notices, and leaves out revoked certificates and teams without endpoints", async () => {
    const T = nextEpoch();
    const { tenant, endpointId } = await teamWithEndpoint();
    const short = await insertCertificate(tenant.teamId, T, T + 6 * dayMs);
    const revoked = await insertCertificate(tenant.teamId, T, T + 6 * dayMs, "revoked");
    const quiet = await newTenant();
    const unwatched = await insertCertificate(quiet.teamId, T, T + 6 * dayMs);
    expect(await scan(T + 3 * dayMs)).toEqual({ seen: 1, announced: 0 });
    expect(await scan(T + 3.5 * dayMs)).toEqual({ seen: 0, announced: 0 });
    expect(await scan(T + 4.1 * dayMs)).toEqual({ seen: 1, announced: 1 });
    expect(await notices(endpointId, short)).toEqual([["certificate.expiring", 2]]);
    expect(await notices(endpointId, revoked)).toEqual([]);
    const remembered = await env.DB.prepare("SELECT certificate_id FROM certificate_expiry_notices WHERE certificate_id IN (?, ?)").bind(revoked, unwatched).all();
    expect(remembered.results).toEqual([]);
  });

  it("remembers notices even for endpoints that do not take them, so none is announced late", async () => {
    const T = nextEpoch();
    const { tenant, endpointId } = await teamWithEndpoint(["certificate.uploaded"]);
    const id = await insertCertificate(tenant.teamId, T, T + 90 * dayMs);
    expect(await scan(T + 61 * dayMs)).toEqual({ seen: 1, announced: 1 });
    await env.DB.prepare("UPDATE webhook_endpoints SET events = ? WHERE id = ?").bind(JSON.stringify(["certificate.expiring"]), endpointId).run();
    expect(await scan(T + 62 * dayMs)).toEqual({ seen: 0, announced: 0 });
    expect(await notices(endpointId, id)).toEqual([]);
  });
});
