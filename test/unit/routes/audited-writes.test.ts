/**
 * Every route that changes something records its audit row in the D1 batch of its change (http/audited-commit.ts):
 * after the change the row is there, with the actor, the route and the target; when the audit insert fails (a trigger
 * in the test database refuses it, as an outage would) the request answers 500 and what it would have changed is as
 * it was. Routes that hand their work to a certificate's issuer record their row alone, before the hand-off: with the
 * insert failing, the issuer (a fake here) is never called. The last test checks that the table names every changing
 * operation of /openapi.json.
 */
import { env } from "cloudflare:test";
import { type SQLWrapper, eq, getTableColumns, is } from "drizzle-orm";
import { SQLiteTable } from "drizzle-orm/sqlite-core";
import { beforeAll, describe, expect, it } from "vitest";
import { database } from "../../../src/db/client";
import * as schema from "../../../src/db/schema";
import type { CertificateIssuerRpc } from "../../../src/issuance/issue-request";
import { ADMIN_TOKEN, call, newProject, newTenant, type Tenant, uniqueDomain } from "../../support/api";
import { auditRowOf, withAuditFailing } from "../../support/audit-outage";
import { makeCa, makeChain } from "../../support/pki-fixtures";
import { insertTeamCa } from "../../support/private-ca-mtls-rows";
import { fakeNetwork, webhookIsolate, type WebhookIsolate } from "../../support/webhook-receiver-fakes";
import { storedAcmeCertificate } from "../issuance/acme-rows";

type Answer = Awaited<ReturnType<WebhookIsolate["request"]>>;

interface Arranged {
  send(): Promise<Answer>;
  /** The audit row's target: known beforehand, or read from the answer. */
  target: string | ((res: Answer) => string);
}

interface WriteCase {
  /** The audit row's action: the method and the route as the router spells it. */
  action: string;
  /** What tells cases of one route apart. */
  variant?: string;
  /** The operator acts (actor `operator`), in no team's log unless `operatorTeam` says the team's. */
  operator?: boolean;
  operatorTeam?: boolean;
  /** 200 unless said. */
  status?: number;
  /**
   * What shows the change: the team's rows (default), the calls the issuer received (a hand-off), or nothing to see
   * here (an export's key, an operator tick over no due work: their own tests show what they do).
   */
  effect?: "rows" | "issuer" | "none";
  arrange(t: Tenant): Promise<Arranged>;
}

const db = database(env.DB);
let isolate: WebhookIsolate;
/** What the fake issuer was asked, in order: `issue obtain`, `revoke`, `armCrash ordered`… */
const issuerCalls: string[] = [];
/** The certificate the fake issuer answers a team's obtain with (Vercel's `POST /v8/certs`); other obtains are pending. */
const issuedForTeam = new Map<string, string>();

const fakeIssuer: CertificateIssuerRpc = {
  async issue(request) {
    issuerCalls.push(`issue ${request.kind}`);
    const issued = request.projectId === null ? issuedForTeam.get(request.teamId) : undefined;
    return issued ? { state: "issued", certificateId: issued, renewedFrom: null } : { state: "pending", startedAt: Date.now() };
  },
  async revoke() {
    issuerCalls.push("revoke");
    return { ok: true, revokedAt: Date.now() };
  },
  async progress() {
    return { running: false, startedAt: null, last: null };
  },
  async deliverSoon() {
    // An upload announces itself to the project's deploy targets: not a hand-off of the route's own work.
  },
  async armCrash(after) {
    issuerCalls.push(`armCrash ${after}`);
    return true;
  },
};

beforeAll(() => {
  isolate = webhookIsolate(fakeNetwork());
  isolate.deps.issuer = () => fakeIssuer;
});

const send = (method: string, path: string, token: string | null, json?: unknown) => () => isolate.request(method, path, token, json);

async function ok<T = any>(method: string, path: string, token: string, json?: unknown): Promise<T> {
  const res = await isolate.request(method, path, token, json);
  expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
  return res.body as T;
}

/** A project with a domain and a certificate and key for it. */
async function projectWithChain(t: Tenant) {
  const project = await newProject(t, uniqueDomain());
  const chain = await makeChain({ names: [project.domain!] });
  return { project, chain, material: { certificate: chain.chainPem, privateKey: chain.keyPem } };
}

async function uploaded(t: Tenant) {
  const arranged = await projectWithChain(t);
  const body = await ok("POST", `/api/v1/projects/${arranged.project.id}/certificate/upload`, t.token, arranged.material);
  return { ...arranged, certificateId: body.certificate.id as string };
}

async function teamCertificate(t: Tenant) {
  const { chain } = await projectWithChain(t);
  const body = await ok("PUT", "/v8/certs", t.token, { cert: chain.leafPem, key: chain.keyPem, ca: chain.rootPem });
  return body.id as string;
}

/** A client certificate upload for an origin (Vercel's body), signed by a CA of its own. */
async function clientCertificate() {
  const ca = await makeCa({ cn: "Audited client CA" });
  const client = await makeChain({ issuer: ca, eku: ["clientAuth"], names: [], cn: "client-audited" });
  return { cert: client.leafPem, key: client.keyPem, ca: ca.pem, origin: "https://api.example.com" };
}

async function orgCertificate(t: Tenant) {
  const ca = await makeCa({ cn: `Audited ${crypto.randomUUID()}` });
  return (await ok("POST", "/v1/organization/certificates", t.token, { certificate: ca.pem })).id as string;
}

/** A root CA of the team's own, made through the API. */
async function privateRoot(t: Tenant) {
  const body = { name: `root-${crypto.randomUUID().slice(0, 8)}`, kind: "root", subject: { commonName: "Audited Root" }, validityDays: 30 };
  return (await ok("POST", "/api/v1/cas", t.token, body)).id as string;
}

const acmeDirectoryBody = (caId: string) => ({ name: `acme-${crypto.randomUUID().slice(0, 8)}`, issuer: { type: "private", caId, profile: "server" }, authorization: "pre-approved" });

/** An ACME server directory issuing from a new root of the team. */
async function acmeDirectory(t: Tenant) {
  return (await ok("POST", "/api/v1/acme-directories", t.token, acmeDirectoryBody(await privateRoot(t)))).id as string;
}

/** A certificate of that CA with a generated key. */
async function privateLeaf(t: Tenant) {
  const caId = await privateRoot(t);
  const leaf = await ok("POST", `/api/v1/cas/${caId}/certificates`, t.token, { profile: "server", dnsNames: ["audited.corp.example"], validityHours: 240 });
  return { caId, certId: leaf.id as string };
}

const acmTarget = { kind: "aws_acm", settings: { region: "eu-west-1" }, credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" } };

const WRITES: WriteCase[] = [
  // Tokens.
  {
    action: "POST /api/v1/tokens",
    async arrange(t) {
      return { send: send("POST", "/api/v1/tokens", t.token, { name: "audited", scopes: ["projects:read"] }), target: (res) => res.body.id };
    },
  },
  {
    action: "DELETE /api/v1/tokens/:tokenId",
    async arrange(t) {
      const { id } = await ok("POST", "/api/v1/tokens", t.token, { name: "revoked", scopes: ["projects:read"] });
      return { send: send("DELETE", `/api/v1/tokens/${id}`, t.token), target: id };
    },
  },
  // Projects.
  {
    action: "POST /api/v1/projects",
    variant: "with a domain",
    async arrange(t) {
      return { send: send("POST", "/api/v1/projects", t.token, { name: `p-${crypto.randomUUID().slice(0, 8)}`, domain: uniqueDomain() }), target: (res) => res.body.id };
    },
  },
  {
    action: "POST /api/v1/projects",
    variant: "without a domain",
    async arrange(t) {
      return { send: send("POST", "/api/v1/projects", t.token, { name: `p-${crypto.randomUUID().slice(0, 8)}` }), target: (res) => res.body.id };
    },
  },
  {
    action: "PATCH /api/v1/projects/:id",
    variant: "a rename",
    async arrange(t) {
      const project = await newProject(t);
      return { send: send("PATCH", `/api/v1/projects/${project.id}`, t.token, { name: `renamed-${crypto.randomUUID().slice(0, 8)}` }), target: project.id };
    },
  },
  {
    action: "PATCH /api/v1/projects/:id",
    variant: "a new domain",
    async arrange(t) {
      const project = await newProject(t);
      return { send: send("PATCH", `/api/v1/projects/${project.id}`, t.token, { domain: uniqueDomain("moved") }), target: project.id };
    },
  },
  {
    action: "DELETE /api/v1/projects/:id",
    async arrange(t) {
      const { project } = await uploaded(t);
      return { send: send("DELETE", `/api/v1/projects/${project.id}`, t.token), target: project.id };
    },
  },
  // A project's certificate.
  {
    action: "POST /api/v1/projects/:id/certificate/upload",
    async arrange(t) {
      const { project, material } = await projectWithChain(t);
      return { send: send("POST", `/api/v1/projects/${project.id}/certificate/upload`, t.token, material), target: (res) => res.body.certificate.id };
    },
  },
  {
    action: "POST /api/v1/projects/:id/certificate/upload",
    variant: "replacing the one it had",
    async arrange(t) {
      const { project, certificateId } = await uploaded(t);
      const next = await makeChain({ names: [project.domain!] });
      return { send: send("POST", `/api/v1/projects/${project.id}/certificate/upload`, t.token, { certificate: next.chainPem, privateKey: next.keyPem }), target: certificateId };
    },
  },
  {
    action: "PATCH /api/v1/projects/:id/certificate",
    async arrange(t) {
      const project = await newProject(t);
      const row = await storedAcmeCertificate({ teamId: t.teamId, projectId: project.id }, [project.domain!]);
      return { send: send("PATCH", `/api/v1/projects/${project.id}/certificate`, t.token, { autoRenew: false }), target: row.id };
    },
  },
  {
    action: "DELETE /api/v1/projects/:id/certificate",
    async arrange(t) {
      const { project, certificateId } = await uploaded(t);
      return { send: send("DELETE", `/api/v1/projects/${project.id}/certificate`, t.token), target: certificateId };
    },
  },
  {
    action: "POST /api/v1/projects/:id/certificate/export",
    effect: "none",
    async arrange(t) {
      const { project, certificateId } = await uploaded(t);
      return { send: send("POST", `/api/v1/projects/${project.id}/certificate/export`, t.token, {}), target: certificateId };
    },
  },
  // The team's private CAs.
  {
    action: "POST /api/v1/cas",
    status: 201,
    async arrange(t) {
      return { send: send("POST", "/api/v1/cas", t.token, { name: "audited-root", kind: "root", subject: { commonName: "Audited Root" }, validityDays: 30 }), target: (res) => res.body.id };
    },
  },
  {
    action: "POST /api/v1/cas/:id/disable",
    async arrange(t) {
      const caId = await privateRoot(t);
      return { send: send("POST", `/api/v1/cas/${caId}/disable`, t.token), target: caId };
    },
  },
  {
    action: "POST /api/v1/cas/:id/certificates",
    status: 201,
    async arrange(t) {
      const caId = await privateRoot(t);
      return { send: send("POST", `/api/v1/cas/${caId}/certificates`, t.token, { profile: "client", commonName: "audited-client" }), target: (res) => res.body.id };
    },
  },
  {
    action: "POST /api/v1/cas/:id/certificates/:certId/revoke",
    async arrange(t) {
      const { caId, certId } = await privateLeaf(t);
      return { send: send("POST", `/api/v1/cas/${caId}/certificates/${certId}/revoke`, t.token, { reason: "superseded" }), target: certId };
    },
  },
  {
    action: "POST /api/v1/cas/:id/certificates/:certId/export",
    effect: "none",
    async arrange(t) {
      const { caId, certId } = await privateLeaf(t);
      return { send: send("POST", `/api/v1/cas/${caId}/certificates/${certId}/export`, t.token, {}), target: certId };
    },
  },
  // Hand-offs to the certificate's issuer.
  {
    action: "POST /api/v1/projects/:id/certificate/obtain",
    effect: "issuer",
    status: 202,
    async arrange(t) {
      const project = await newProject(t);
      return { send: send("POST", `/api/v1/projects/${project.id}/certificate/obtain`, t.token, { email: "ops@example.com", challengeType: "http-01" }), target: project.id };
    },
  },
  {
    action: "POST /api/v1/projects/:id/certificate/renew",
    effect: "issuer",
    status: 202,
    async arrange(t) {
      const project = await newProject(t);
      const row = await storedAcmeCertificate({ teamId: t.teamId, projectId: project.id }, [project.domain!]);
      return { send: send("POST", `/api/v1/projects/${project.id}/certificate/renew`, t.token), target: row.id };
    },
  },
  {
    action: "POST /api/v1/projects/:id/certificate/revoke",
    effect: "issuer",
    async arrange(t) {
      const project = await newProject(t);
      const row = await storedAcmeCertificate({ teamId: t.teamId, projectId: project.id }, [project.domain!]);
      return { send: send("POST", `/api/v1/projects/${project.id}/certificate/revoke`, t.token, { reason: "superseded" }), target: row.id };
    },
  },
  {
    action: "POST /v8/certs",
    effect: "issuer",
    async arrange(t) {
      const id = await teamCertificate(t);
      const names = (await ok("GET", `/v8/certs/${id}`, t.token)).cns as string[];
      issuedForTeam.set(t.teamId, id);
      return { send: send("POST", "/v8/certs", t.token, { cns: names }), target: "" };
    },
  },
  // Deploy targets.
  {
    action: "POST /api/v1/projects/:id/deploy-targets",
    status: 201,
    async arrange(t) {
      const project = await newProject(t);
      return { send: send("POST", `/api/v1/projects/${project.id}/deploy-targets`, t.token, acmTarget), target: (res) => res.body.id };
    },
  },
  {
    action: "POST /api/v1/projects/:id/deploy-targets/:targetId/deploy",
    async arrange(t) {
      const { project } = await uploaded(t);
      const target = await ok("POST", `/api/v1/projects/${project.id}/deploy-targets`, t.token, acmTarget);
      return { send: send("POST", `/api/v1/projects/${project.id}/deploy-targets/${target.id}/deploy`, t.token), target: target.id };
    },
  },
  {
    action: "DELETE /api/v1/projects/:id/deploy-targets/:targetId",
    async arrange(t) {
      const project = await newProject(t);
      const target = await ok("POST", `/api/v1/projects/${project.id}/deploy-targets`, t.token, acmTarget);
      return { send: send("DELETE", `/api/v1/projects/${project.id}/deploy-targets/${target.id}`, t.token), target: target.id };
    },
  },
  // Webhook endpoints.
  {
    action: "POST /api/v1/webhooks",
    status: 201,
    async arrange(t) {
      return { send: send("POST", "/api/v1/webhooks", t.token, { url: "https://hooks.example.com/audited" }), target: (res) => res.body.id };
    },
  },
  {
    action: "PATCH /api/v1/webhooks/:id",
    async arrange(t) {
      const { id } = await ok("POST", "/api/v1/webhooks", t.token, { url: "https://hooks.example.com/audited" });
      return { send: send("PATCH", `/api/v1/webhooks/${id}`, t.token, { disabled: true }), target: id };
    },
  },
  {
    action: "DELETE /api/v1/webhooks/:id",
    async arrange(t) {
      const { id } = await ok("POST", "/api/v1/webhooks", t.token, { url: "https://hooks.example.com/audited" });
      return { send: send("DELETE", `/api/v1/webhooks/${id}`, t.token), target: id };
    },
  },
  {
    // Sent, whatever the receiver answers (here none: unit tests have no network). Its change is one delivery-log
    // row, which test/unit/routes/webhook-test-event.test.ts checks.
    action: "POST /api/v1/webhooks/:id/test",
    effect: "none",
    async arrange(t) {
      const { id } = await ok("POST", "/api/v1/webhooks", t.token, { url: "https://hooks.example.com/audited" });
      return { send: send("POST", `/api/v1/webhooks/${id}/test`, t.token), target: id };
    },
  },
  // Saved DNS connections (the Cloudflare API fake of test/support/dns-fakes/unit-host.mjs takes any `cf-ok-` token).
  {
    action: "POST /api/v1/dns-connections",
    status: 201,
    async arrange(t) {
      const json = { name: `audited-${Date.now()}`, provider: "cloudflare", credentials: { apiToken: "cf-ok-audited-0123456789abcdef" } };
      return { send: send("POST", "/api/v1/dns-connections", t.token, json), target: (res) => res.body.id };
    },
  },
  {
    action: "PATCH /api/v1/dns-connections/:id",
    async arrange(t) {
      const { id } = await ok("POST", "/api/v1/dns-connections", t.token, { name: `audited-${Date.now()}`, provider: "cloudflare", credentials: { apiToken: "cf-ok-audited-0123456789abcdef" } });
      return { send: send("PATCH", `/api/v1/dns-connections/${id}`, t.token, { credentials: { apiToken: "cf-ok-rotated-0123456789abcdef" } }), target: id };
    },
  },
  {
    action: "DELETE /api/v1/dns-connections/:id",
    status: 204,
    async arrange(t) {
      const { id } = await ok("POST", "/api/v1/dns-connections", t.token, { name: `audited-${Date.now()}`, provider: "cloudflare", credentials: { apiToken: "cf-ok-audited-0123456789abcdef" } });
      return { send: send("DELETE", `/api/v1/dns-connections/${id}`, t.token), target: id };
    },
  },
  // The team's ACME server directories and their EAB keys.
  {
    action: "POST /api/v1/acme-directories",
    status: 201,
    async arrange(t) {
      const caId = await privateRoot(t);
      return { send: send("POST", "/api/v1/acme-directories", t.token, acmeDirectoryBody(caId)), target: (res) => res.body.id };
    },
  },
  {
    action: "DELETE /api/v1/acme-directories/:id",
    status: 204,
    async arrange(t) {
      const directoryId = await acmeDirectory(t);
      return { send: send("DELETE", `/api/v1/acme-directories/${directoryId}`, t.token), target: directoryId };
    },
  },
  {
    action: "POST /api/v1/acme-directories/:id/eab-keys",
    status: 201,
    async arrange(t) {
      const directoryId = await acmeDirectory(t);
      return { send: send("POST", `/api/v1/acme-directories/${directoryId}/eab-keys`, t.token), target: (res) => res.body.keyId };
    },
  },
  {
    action: "DELETE /api/v1/acme-directories/:id/eab-keys/:keyId",
    async arrange(t) {
      const directoryId = await acmeDirectory(t);
      const { keyId } = await ok("POST", `/api/v1/acme-directories/${directoryId}/eab-keys`, t.token);
      return { send: send("DELETE", `/api/v1/acme-directories/${directoryId}/eab-keys/${keyId}`, t.token), target: keyId };
    },
  },
  // The operator.
  ...["renewal-sweep", "deploy-sweep", "ari-refresh", "webhook-sweep"].map(
    (tick): WriteCase => ({
      action: `POST /api/v1/admin/${tick}`,
      operator: true,
      effect: "none",
      async arrange() {
        return { send: send("POST", `/api/v1/admin/${tick}`, ADMIN_TOKEN, { asOf: "2001-02-03T04:05:06Z" }), target: "" };
      },
    }),
  ),
  {
    action: "POST /api/v1/admin/reseal",
    operator: true,
    effect: "none",
    async arrange() {
      return { send: send("POST", "/api/v1/admin/reseal", ADMIN_TOKEN), target: "" };
    },
  },
  {
    action: "POST /api/v1/admin/acme-accounts/rollover",
    operator: true,
    operatorTeam: true,
    effect: "none",
    async arrange(t) {
      return { send: send("POST", "/api/v1/admin/acme-accounts/rollover", ADMIN_TOKEN, { teamId: t.teamId }), target: t.teamId };
    },
  },
  {
    action: "POST /api/v1/admin/acme-accounts/deactivate",
    operator: true,
    operatorTeam: true,
    effect: "none",
    async arrange(t) {
      return { send: send("POST", "/api/v1/admin/acme-accounts/deactivate", ADMIN_TOKEN, { teamId: t.teamId }), target: t.teamId };
    },
  },
  {
    action: "POST /api/v1/admin/tokens",
    operator: true,
    operatorTeam: true,
    async arrange(t) {
      return { send: send("POST", "/api/v1/admin/tokens", ADMIN_TOKEN, { teamId: t.teamId, name: "granted", scopes: ["cas:read"] }), target: (res) => res.body.id };
    },
  },
  {
    action: "POST /api/v1/admin/test/issuer-crash",
    operator: true,
    effect: "issuer",
    async arrange(t) {
      const project = await newProject(t);
      return { send: send("POST", "/api/v1/admin/test/issuer-crash", ADMIN_TOKEN, { projectId: project.id, after: "ordered" }), target: project.id };
    },
  },
  // Vercel.
  {
    action: "PUT /v8/certs",
    async arrange(t) {
      const { chain } = await projectWithChain(t);
      return { send: send("PUT", "/v8/certs", t.token, { cert: chain.leafPem, key: chain.keyPem, ca: chain.rootPem }), target: (res) => res.body.id };
    },
  },
  {
    action: "DELETE /v8/certs/:id",
    async arrange(t) {
      const id = await teamCertificate(t);
      return { send: send("DELETE", `/v8/certs/${id}`, t.token), target: id };
    },
  },
  {
    action: "POST /v8/certs/:id/export",
    effect: "none",
    async arrange(t) {
      const id = await teamCertificate(t);
      return { send: send("POST", `/v8/certs/${id}/export`, t.token, {}), target: id };
    },
  },
  {
    action: "POST /v1/projects/:idOrName/client-cert",
    async arrange(t) {
      const project = await newProject(t, null);
      return { send: send("POST", `/v1/projects/${project.id}/client-cert`, t.token, await clientCertificate()), target: (res) => res.body.certId };
    },
  },
  {
    action: "DELETE /v1/projects/:idOrName/client-cert/:certId",
    async arrange(t) {
      const project = await newProject(t, null);
      const { certId } = await ok("POST", `/v1/projects/${project.id}/client-cert`, t.token, await clientCertificate());
      return { send: send("DELETE", `/v1/projects/${project.name}/client-cert/${certId}`, t.token), target: certId };
    },
  },
  // Private CA: the mTLS surfaces it feeds.
  {
    action: "POST /api/v1/projects/:id/client-certificates/issue",
    status: 201,
    async arrange(t) {
      const [project, ca] = await Promise.all([newProject(t, null), insertTeamCa(t.teamId)]);
      return { send: send("POST", `/api/v1/projects/${project.id}/client-certificates/issue`, t.token, { origin: "https://api.example.com", caId: ca.id }), target: (res) => res.body.id };
    },
  },
  {
    action: "POST /api/v1/cas/:id/publish-to-organization",
    status: 201,
    async arrange(t) {
      const ca = await insertTeamCa(t.teamId);
      return { send: send("POST", `/api/v1/cas/${ca.id}/publish-to-organization`, t.token), target: (res) => res.body.id };
    },
  },
  // OpenAI.
  {
    action: "POST /v1/organization/certificates",
    async arrange(t) {
      const ca = await makeCa({ cn: "Audited org CA" });
      return { send: send("POST", "/v1/organization/certificates", t.token, { certificate: ca.pem, name: "audited" }), target: (res) => res.body.id };
    },
  },
  {
    action: "POST /v1/organization/certificates/:certificate_id",
    async arrange(t) {
      const id = await orgCertificate(t);
      return { send: send("POST", `/v1/organization/certificates/${id}`, t.token, { name: "renamed" }), target: id };
    },
  },
  {
    action: "DELETE /v1/organization/certificates/:certificate_id",
    async arrange(t) {
      const id = await orgCertificate(t);
      return { send: send("DELETE", `/v1/organization/certificates/${id}`, t.token), target: id };
    },
  },
  {
    action: "POST /v1/organization/certificates/activate",
    async arrange(t) {
      const id = await orgCertificate(t);
      return { send: send("POST", "/v1/organization/certificates/activate", t.token, { certificate_ids: [id] }), target: "" };
    },
  },
  {
    action: "POST /v1/organization/certificates/deactivate",
    async arrange(t) {
      const id = await orgCertificate(t);
      await ok("POST", "/v1/organization/certificates/activate", t.token, { certificate_ids: [id] });
      return { send: send("POST", "/v1/organization/certificates/deactivate", t.token, { certificate_ids: [id] }), target: "" };
    },
  },
  {
    action: "POST /v1/organization/projects/:project_id/certificates/activate",
    async arrange(t) {
      const [id, project] = await Promise.all([orgCertificate(t), newProject(t, null)]);
      return { send: send("POST", `/v1/organization/projects/${project.id}/certificates/activate`, t.token, { certificate_ids: [id] }), target: project.id };
    },
  },
  {
    action: "POST /v1/organization/projects/:project_id/certificates/deactivate",
    async arrange(t) {
      const [id, project] = await Promise.all([orgCertificate(t), newProject(t, null)]);
      await ok("POST", `/v1/organization/projects/${project.id}/certificates/activate`, t.token, { certificate_ids: [id] });
      return { send: send("POST", `/v1/organization/projects/${project.id}/certificates/deactivate`, t.token, { certificate_ids: [id] }), target: project.id };
    },
  },
];

/** Changing operations recorded elsewhere, or that change nothing. */
const COVERED_ELSEWHERE: Record<string, string> = {
  "POST /api/v1/teams": "test/unit/routes/audit-trail.test.ts: the team does not exist before, so its rows are checked there",
  "POST /api/v1/projects/:id/certificate/validate": "changes nothing: no row (test/unit/routes/d1-queries.test.ts)",
  "POST /api/v1/admin/domains/:domain/revoke-verification":
    "a 400 with DOMAIN_VERIFICATION=off (this project's setting); with it required, the revocation and its row in the holder's log are one batch (test/unit/routes/domain-transfer.test.ts)",
  "POST /api/v1/projects/:id/domain/verify":
    "changes nothing with DOMAIN_VERIFICATION=off (this project's setting); with it required, the claim and its row are one batch (test/unit/routes/domain-verification.test.ts)",
};

/** Every row the team has in D1 (tokens without their last use, which every request moves), in a stable order. */
async function teamRows(teamId: string): Promise<string[]> {
  const rows: string[] = [];
  for (const [name, table] of Object.entries(schema)) {
    if (!is(table, SQLiteTable) || table === schema.auditLog) continue;
    const columns = getTableColumns(table) as Record<string, SQLWrapper | undefined>;
    const team = table === schema.teams ? columns.id : columns.teamId;
    let found: unknown[];
    if (team) found = await db.select().from(table).where(eq(team, teamId));
    else if (table === schema.projectCertificateActivations) {
      const activations = env.DB.prepare("SELECT * FROM project_certificate_activations WHERE project_id IN (SELECT id FROM projects WHERE team_id = ?)");
      found = (await activations.bind(teamId).all()).results;
    } else continue;
    for (const row of found) rows.push(`${name} ${JSON.stringify({ ...(row as object), lastUsedAt: undefined })}`);
  }
  return rows.sort();
}

interface AuditRow {
  team_id: string;
  actor: string;
  action: string;
  target: string;
  detail: string | null;
}

async function auditRows(action: string, teamId: string): Promise<AuditRow[]> {
  const rows = await env.DB.prepare("SELECT team_id, actor, action, target, detail FROM audit_log WHERE action = ? AND team_id = ? ORDER BY at, rowid")
    .bind(action, teamId)
    .all<AuditRow>();
  return rows.results;
}

async function bootstrapTokenId(t: Tenant): Promise<string> {
  const tokens = await ok("GET", "/api/v1/tokens", t.token);
  return tokens.tokens.find((token: { name: string }) => token.name === "bootstrap").id;
}

/** What shows whether the change was made. */
function effectOf(write: WriteCase, t: Tenant): () => Promise<unknown> {
  if (write.effect === "issuer") return async () => [...issuerCalls];
  if (write.effect === "none") return async () => null;
  return () => teamRows(t.teamId);
}

const label = (write: WriteCase) => `${write.action}${write.variant ? ` (${write.variant})` : ""}`;

describe.each(WRITES.map((write) => ({ ...write, label: label(write) })))("$label", (write) => {
  const logOf = (t: Tenant) => (write.operator && !write.operatorTeam ? "" : t.teamId);

  it("records its row with the change", async () => {
    const t = await newTenant();
    const { send: request, target } = await write.arrange(t);
    const effect = effectOf(write, t);
    const before = await effect();
    const recorded = await auditRows(write.action, logOf(t));
    const res = await request();
    expect(res.status, res.text).toBe(write.status ?? 200);
    if (write.effect !== "none") expect(await effect()).not.toEqual(before);
    const rows = (await auditRows(write.action, logOf(t))).slice(recorded.length);
    const actor = write.operator ? "operator" : await bootstrapTokenId(t);
    const expected = { team_id: logOf(t), actor, action: write.action, target: typeof target === "string" ? target : target(res) };
    // One row (an operator's team-less row may be joined by another test's: only this test's target is counted).
    expect(rows.filter((row) => row.target === expected.target)).toMatchObject([expected]);
    expect(JSON.stringify(rows)).not.toMatch(/PRIVATE KEY|cdk_|whsec_/);
  });

  it("changes nothing and answers 500 when its row cannot be written", async () => {
    const t = await newTenant();
    const { send: request } = await write.arrange(t);
    const effect = effectOf(write, t);
    const before = await effect();
    const recorded = await auditRows(write.action, logOf(t));
    const res = await withAuditFailing(auditRowOf(write.action, logOf(t)), request);
    expect(res.status, res.text).toBe(500);
    expect(res.text).toMatch(/Internal server error/);
    expect(await effect()).toEqual(before);
    expect(await auditRows(write.action, logOf(t))).toEqual(recorded);
  });
});

describe("a refused hand-off records nothing and hands nothing over", () => {
  it.each([
    ["revoke", "revoke", 400],
    ["renew", "renew", 400],
  ])("%s of an uploaded certificate", async (_label, path, status) => {
    const t = await newTenant();
    const { project } = await uploaded(t);
    const calls = issuerCalls.length;
    const res = await isolate.request("POST", `/api/v1/projects/${project.id}/certificate/${path}`, t.token, path === "revoke" ? {} : undefined);
    expect(res.status, res.text).toBe(status);
    expect(issuerCalls).toHaveLength(calls);
    expect(await auditRows(`POST /api/v1/projects/:id/certificate/${path}`, t.teamId)).toEqual([]);
  });
});

describe("the table", () => {
  it("names every operation of /openapi.json that changes something", async () => {
    const document = (await call("GET", "/openapi.json")).body as { paths: Record<string, Record<string, unknown>> };
    const changing = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations)
        .filter((method) => ["post", "put", "patch", "delete"].includes(method))
        .map((method) => `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ":$1")}`),
    );
    const named = new Set([...WRITES.map((write) => write.action), ...Object.keys(COVERED_ELSEWHERE)]);
    expect(changing.filter((action) => !named.has(action))).toEqual([]);
    expect(changing.length).toBeGreaterThan(30);
  });
});
