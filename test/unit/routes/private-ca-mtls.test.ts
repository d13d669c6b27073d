/**
 * The private CA's mTLS surfaces (issue 21 §4): a client certificate issued from the team's CA and installed as the
 * project's egress client certificate, and the CA published to the organization's certificate store.
 */
import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { seal, unseal } from "../../../src/crypto/sealing";
import { depsFrom } from "../../../src/deps";
import { database } from "../../../src/db/client";
import { LIMIT_DEFAULTS } from "../../../src/core/config";
import { commitWithAudit } from "../../../src/http/audited-commit";
import { issueClientCertificate } from "../../../src/services/client-certificate-issue";
import { CLIENT_RENEWAL_RETRY_MS, RENEWAL_ACTOR, dueClientCertificatesQuery, renewDueClientCertificates } from "../../../src/services/client-certificate-renewal";
import { renewDuePrivateCertificates } from "../../../src/services/private-ca/auto-renew";
import { certificateGaugeRowsQueries } from "../../../src/services/metrics/certificate-gauges";
import { x509 } from "../../../src/pki/x509-setup";
import { call, newProject, newTenant, type Tenant } from "../../support/api";
import { insertTeamCa } from "../../support/private-ca-mtls-rows";

const ENCRYPTION_KEY = "dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTMyYnl0ZXM=";
const ORIGIN = "https://api.partner.example";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

/** Every certificate of a PEM text, in order. */
const pemCertificates = (pem: string) => x509.PemConverter.decode(pem).map((der) => new x509.X509Certificate(der));

const issuePath = (projectId: string) => `/api/v1/projects/${projectId}/client-certificates/issue`;

async function tokenWith(t: Tenant, scopes: string[]): Promise<string> {
  const res = await call("POST", "/api/v1/tokens", { token: t.token, json: { name: `scoped-${scopes.join("-")}`, scopes } });
  expect(res.status, res.text).toBe(200);
  return res.body.token;
}

/** What the team holds of both stores: a refused request must leave them as they were. */
async function storedRows(teamId: string) {
  const count = (table: string) => env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE team_id = ?`).bind(teamId).first<{ n: number }>();
  const [client, issued, organization] = await Promise.all([count("client_certificates"), count("private_certificates"), count("organization_certificates")]);
  return { client: client!.n, issued: issued!.n, organization: organization!.n };
}

describe("POST /api/v1/projects/:id/client-certificates/issue", () => {
  describe("happy path", () => {
    it("issues a client certificate that chains to the CA, CN = project name, clientAuth, installed for the origin", async () => {
      const t = await newTenant();
      const project = await newProject(t, null);
      const ca = await insertTeamCa(t.teamId);
      const res = await call("POST", issuePath(project.id), { token: t.token, json: { origin: `${ORIGIN}:443/`, caId: ca.id, validityDays: 30 } });
      expect(res.status, res.text).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual(["caId", "certificate", "id", "notAfter", "origin"]);
      expect(res.body).toMatchObject({ origin: ORIGIN, caId: ca.id });

      const leaf = new x509.X509Certificate(res.body.certificate);
      expect(await leaf.verify({ publicKey: ca.certificate.publicKey, signatureOnly: true })).toBe(true);
      expect(leaf.issuer).toBe(ca.certificate.subject);
      const chain = await new x509.X509ChainBuilder({ certificates: [ca.certificate] }).build(leaf);
      expect(chain.map((c) => c.subject)).toEqual([leaf.subject, ca.certificate.subject]);
      expect(leaf.subject).toBe(`CN=${project.name}`);
      expect(leaf.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([CLIENT_AUTH]);
      expect(leaf.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
      expect(leaf.getExtension(x509.SubjectAlternativeNameExtension)).toBeNull();
      const days = (leaf.notAfter.getTime() - leaf.notBefore.getTime()) / 86_400_000;
      expect(Math.round(days)).toBe(30);
      expect(new Date(res.body.notAfter).getTime()).toBe(leaf.notAfter.getTime());

      // The Vercel surface shows it as it shows an uploaded one.
      const vercel = await call("GET", `/v1/projects/${project.name}/client-cert`, { token: t.token });
      expect(vercel.status).toBe(200);
      expect(vercel.body).toEqual({ clientCerts: [{ origin: ORIGIN, id: res.body.id }] });

      // The slot holds the leaf, the CA a server must trust, and the generated key, sealed to the row.
      const slot = await env.DB.prepare("SELECT * FROM client_certificates WHERE id = ?").bind(res.body.id).first<Record<string, string>>();
      expect(slot!.certificate_pem).toBe(res.body.certificate);
      expect(pemCertificates(slot!.ca_pem!)[0]!.equal(ca.certificate)).toBe(true);
      const keyPem = await unseal(ENCRYPTION_KEY, slot!.sealed_key!, res.body.id);
      const key = await crypto.subtle.importKey("pkcs8", x509.PemConverter.decodeFirst(keyPem), { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
      const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, new Uint8Array([1, 2, 3]));
      const publicKey = await leaf.publicKey.export({ name: "ECDSA", namedCurve: "P-256" }, ["verify"]);
      expect(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, signature, new Uint8Array([1, 2, 3]))).toBe(true);

      // The CA lists it under the same id, renewed automatically, its key not kept twice.
      const issued = await env.DB.prepare("SELECT * FROM private_certificates WHERE id = ?").bind(res.body.id).first<Record<string, unknown>>();
      expect(issued).toMatchObject({ ca_id: ca.id, profile: "client", auto_renew: 1, sealed_key: null, status: "active" });
      expect(BigInt(`0x${issued!.serial}`)).toBe(BigInt(`0x${leaf.serialNumber}`));
    });

    it("announces certificate.issued with its CA, project and origin to the team's webhook endpoints", async () => {
      const t = await newTenant();
      const project = await newProject(t, null);
      const ca = await insertTeamCa(t.teamId);
      const endpointId = `whe_mtls${Date.now().toString(36)}`;
      const sealedSecret = await seal(ENCRYPTION_KEY, `whsec_${btoa("0123456789abcdef0123456789abcdef")}`, endpointId);
      await env.DB.prepare("INSERT INTO webhook_endpoints (id, team_id, url, events, sealed_secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(endpointId, t.teamId, "https://hooks.example.com/certdesk", JSON.stringify(["certificate.issued"]), sealedSecret, Date.now(), Date.now())
        .run();
      const res = await call("POST", issuePath(project.id), { token: t.token, json: { origin: ORIGIN, caId: ca.id } });
      expect(res.status, res.text).toBe(201);
      const events = await env.DB.prepare("SELECT event_type, payload FROM webhook_events WHERE team_id = ?").bind(t.teamId).all<{ event_type: string; payload: string }>();
      expect(events.results.map((e) => e.event_type)).toEqual(["certificate.issued"]);
      expect(JSON.parse(events.results[0]!.payload).data).toMatchObject({
        certificateId: res.body.id,
        caId: ca.id,
        projectId: project.id,
        origin: ORIGIN,
        certificateType: "private",
        domain: project.name,
        profile: "client",
        trigger: "client-certificate",
      });
    });

    it("under an intermediate: the chain carries the intermediate, the slot trusts the root", async () => {
      const t = await newTenant();
      const project = await newProject(t, null);
      const root = await insertTeamCa(t.teamId);
      const intermediate = await insertTeamCa(t.teamId, { parent: root });
      const res = await call("POST", issuePath(project.id), { token: t.token, json: { origin: ORIGIN, caId: intermediate.id } });
      expect(res.status, res.text).toBe(201);
      const slot = await env.DB.prepare("SELECT certificate_pem, ca_pem FROM client_certificates WHERE id = ?").bind(res.body.id).first<Record<string, string>>();
      const bundle = pemCertificates(slot!.certificate_pem!);
      expect(bundle.map((c) => c.subject)).toEqual([`CN=${project.name}`, intermediate.certificate.subject]);
      expect(pemCertificates(slot!.ca_pem!)[0]!.equal(root.certificate)).toBe(true);
      const chain = await new x509.X509ChainBuilder({ certificates: [intermediate.certificate, root.certificate] }).build(bundle[0]!);
      expect(chain).toHaveLength(3);
      const leaf = bundle[0]!;
      expect(Math.round((leaf.notAfter.getTime() - leaf.notBefore.getTime()) / 86_400_000)).toBe(90);
    });

    it("issuing again for the origin replaces the slot's certificate", async () => {
      const t = await newTenant();
      const project = await newProject(t, null);
      const ca = await insertTeamCa(t.teamId);
      const first = await call("POST", issuePath(project.id), { token: t.token, json: { origin: ORIGIN, caId: ca.id } });
      const second = await call("POST", issuePath(project.id), { token: t.token, json: { origin: ORIGIN, caId: ca.id } });
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(second.body.id).not.toBe(first.body.id);
      const vercel = await call("GET", `/v1/projects/${project.id}/client-cert`, { token: t.token });
      expect(vercel.body.clientCerts).toEqual([{ origin: ORIGIN, id: second.body.id }]);
    });
  });

  describe("with CAs made and disabled through /api/v1/cas", () => {
    it("issues from a root made by POST /api/v1/cas, and refuses (400) once the CA is disabled", async () => {
      const t = await newTenant();
      const project = await newProject(t, null);
      const created = await call("POST", "/api/v1/cas", { token: t.token, json: { name: "corp-root", kind: "root", keyType: "ec", keySize: 256, subject: { commonName: "Corp Root" }, validityDays: 365 } });
      expect(created.status, created.text).toBe(201);
      const caCertificate = new x509.X509Certificate(created.body.certificate);
      const issued = await call("POST", issuePath(project.id), { token: t.token, json: { origin: ORIGIN, caId: created.body.id } });
      expect(issued.status, issued.text).toBe(201);
      const leaf = new x509.X509Certificate(issued.body.certificate);
      expect(await leaf.verify({ publicKey: caCertificate.publicKey, signatureOnly: true })).toBe(true);
      expect(leaf.subject).toBe(`CN=${project.name}`);
      // Listed under its CA like any certificate the CA issued.
      const listed = await call("GET", `/api/v1/cas/${created.body.id}/certificates/${issued.body.id}`, { token: t.token });
      expect(listed.status, listed.text).toBe(200);
      expect(listed.body).toMatchObject({ id: issued.body.id, caId: created.body.id, profile: "client", status: "active" });

      expect((await call("POST", `/api/v1/cas/${created.body.id}/disable`, { token: t.token })).status).toBe(200);
      const refused = await call("POST", issuePath(project.id), { token: t.token, json: { origin: "https://other.partner.example", caId: created.body.id } });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatch(/disabled/);
      expect((await storedRows(t.teamId)).client).toBe(1);
    });
  });

  describe("errors", () => {
    it("another team's CA is a 404, and nothing is stored", async () => {
      const [t, other] = await Promise.all([newTenant(), newTenant()]);
      const project = await newProject(t, null);
      const theirs = await insertTeamCa(other.teamId);
      const res = await call("POST", issuePath(project.id), { token: t.token, json: { origin: ORIGIN, caId: theirs.id } });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ success: false, code: "not_found" });
      expect(await storedRows(t.teamId)).toEqual({ client: 0, issued: 0, organization: 0 });
      expect(await storedRows(other.teamId)).toEqual({ client: 0, issued: 0, organization: 0 });
    });

    it("another team's project is a 404", async () => {
      const [t, other] = await Promise.all([newTenant(), newTenant()]);
      const theirs = await newProject(other, null);
      const ca = await insertTeamCa(t.teamId);
      const res = await call("POST", issuePath(theirs.id), { token: t.token, json: { origin: ORIGIN, caId: ca.id } });
      expect(res.status).toBe(404);
      expect(await storedRows(other.teamId)).toEqual({ client: 0, issued: 0, organization: 0 });
    });

    it("a disabled CA is a 400 that says so, and nothing is stored", async () => {
      const t = await newTenant();
      const project = await newProject(t, null);
      const ca = await insertTeamCa(t.teamId, { status: "disabled" });
      const res = await call("POST", issuePath(project.id), { token: t.token, json: { origin: ORIGIN, caId: ca.id } });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/disabled/);
      expect(await storedRows(t.teamId)).toEqual({ client: 0, issued: 0, organization: 0 });
    });

    it("a CA whose own EKU forbids clientAuth, and a validity past the CA's notAfter, are 400s", async () => {
      const t = await newTenant();
      const project = await newProject(t, null);
      const serverOnly = await insertTeamCa(t.teamId, { eku: ["1.3.6.1.5.5.7.3.1"] });
      const refused = await call("POST", issuePath(project.id), { token: t.token, json: { origin: ORIGIN, caId: serverOnly.id } });
      expect(refused.status, refused.text).toBe(400);
      expect(refused.body.error).toMatch(/client/);
      const shortCa = await insertTeamCa(t.teamId, { validityDays: 10 });
      const tooLong = await call("POST", issuePath(project.id), { token: t.token, json: { origin: ORIGIN, caId: shortCa.id, validityDays: 30 } });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.error).toMatch(/notAfter/);
      expect(await storedRows(t.teamId)).toEqual({ client: 0, issued: 0, organization: 0 });
    });

    it("past the project's client certificate quota: 409, and the CA records nothing it did not install", async () => {
      const t = await newTenant();
      const project = await newProject(t, null);
      const ca = await insertTeamCa(t.teamId);
      for (let i = 0; i < 20; i++) {
        const res = await call("POST", issuePath(project.id), { token: t.token, json: { origin: `https://p${i}.partner.example`, caId: ca.id } });
        expect(res.status, res.text).toBe(201);
      }
      const over = await call("POST", issuePath(project.id), { token: t.token, json: { origin: "https://one-too-many.partner.example", caId: ca.id } });
      expect(over.status, over.text).toBe(409);
      expect(await storedRows(t.teamId)).toEqual({ client: 20, issued: 20, organization: 0 });
      // Replacing an origin's certificate is no new slot: still allowed.
      expect((await call("POST", issuePath(project.id), { token: t.token, json: { origin: "https://p0.partner.example", caId: ca.id } })).status).toBe(201);
    });

    it("past the team's private certificate quota (PRIVATE_CERTIFICATES_PER_TEAM): limit_reached, nothing stored", async () => {
      const t = await newTenant();
      const project = await newProject(t, null);
      const ca = await insertTeamCa(t.teamId);
      expect((await call("POST", issuePath(project.id), { token: t.token, json: { origin: ORIGIN, caId: ca.id } })).status).toBe(201);
      const db = database(env.DB);
      const project1 = (await db.query.projects.findFirst({ where: (p, { eq }) => eq(p.id, project.id) }))!;
      const commit = commitWithAudit(db, { actor: "test", action: "test" }, () => Date.now());
      const limits = { ...LIMIT_DEFAULTS, PRIVATE_CA_MAX_LEAF_DAYS: 398, PRIVATE_CERTIFICATES_PER_TEAM: 1 };
      await expect(issueClientCertificate(db, ENCRYPTION_KEY, project1, { origin: "https://two.partner.example", caId: ca.id }, Date.now(), commit, limits)).rejects.toMatchObject({
        code: "limit_reached",
      });
      expect(await storedRows(t.teamId)).toEqual({ client: 1, issued: 1, organization: 0 });
    });

    it("hostile bodies get a 4xx and store nothing", async () => {
      const t = await newTenant();
      const project = await newProject(t, null);
      const ca = await insertTeamCa(t.teamId);
      const bodies: unknown[] = [
        {},
        { origin: ORIGIN },
        { caId: "" },
        { caId: ca.id, origin: "https://api.partner.example/path" },
        { caId: ca.id, origin: "ftp://api.partner.example" },
        { caId: ca.id, origin: "https://user:pw@api.partner.example" },
        { caId: ca.id, origin: "not a url" },
        { caId: ca.id, origin: `https://${"a".repeat(3000)}.example` },
        { caId: ca.id, origin: 42 },
        { caId: ca.id, validityDays: 0 },
        { caId: ca.id, validityDays: 1.5 },
        { caId: ca.id, validityDays: 100_000 },
        { caId: ca.id, validityDays: 399 },
        { caId: ca.id, validityDays: "30" },
        { caId: ca.id, profile: "server" },
        { caId: ca.id, commonName: "admin" },
        { caId: "x".repeat(100) },
        { caId: ["a"] },
        [],
        null,
      ];
      for (const json of bodies) {
        const res = await call("POST", issuePath(project.id), { token: t.token, json });
        expect(res.status, `${JSON.stringify(json)?.slice(0, 80)}: ${res.text}`).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
      const notJson = await call("POST", issuePath(project.id), { token: t.token, body: "{caId:", headers: { "Content-Type": "application/json" } });
      expect(notJson.status).toBe(400);
      expect(await storedRows(t.teamId)).toEqual({ client: 0, issued: 0, organization: 0 });
    });
  });

  describe("auth", () => {
    it("needs both projects:write and cas:issue", async () => {
      const t = await newTenant();
      const project = await newProject(t, null);
      const ca = await insertTeamCa(t.teamId);
      const json = { origin: ORIGIN, caId: ca.id };
      expect((await call("POST", issuePath(project.id), { json })).status).toBe(401);
      for (const scopes of [["projects:write"], ["cas:issue"], ["cas:write", "projects:write"], ["projects:read", "cas:issue"]]) {
        const res = await call("POST", issuePath(project.id), { token: await tokenWith(t, scopes), json });
        expect(res.status, scopes.join(" ")).toBe(403);
      }
      const both = await call("POST", issuePath(project.id), { token: await tokenWith(t, ["projects:write", "cas:issue"]), json });
      expect(both.status, both.text).toBe(201);
    });
  });
});

describe("renewal of an issued client certificate (cron stage client_certificate_renewal)", () => {
  const DAY = 86_400_000;
  // The tests of this file share one database and both stages read every team's due rows: each test starts with none.
  beforeEach(async () => {
    await env.DB.prepare("UPDATE private_certificates SET next_renewal_at = NULL WHERE next_renewal_at IS NOT NULL").run();
  });
  /** The CA's record of a certificate (private_certificates, same id as its slot). */
  const recordOf = async (id: string) =>
    (await env.DB.prepare("SELECT serial, auto_renew, not_before, not_after, next_renewal_at FROM private_certificates WHERE id = ?").bind(id).first<{
      serial: string;
      auto_renew: number;
      not_before: number;
      not_after: number;
      next_renewal_at: number | null;
    }>())!;

  it("at two thirds of its lifetime: a new certificate from the same CA, same lifetime, new key, same slot; then stops when the CA is disabled", async () => {
    const t = await newTenant();
    const project = await newProject(t, null);
    const ca = await insertTeamCa(t.teamId);
    const first = await call("POST", issuePath(project.id), { token: t.token, json: { origin: ORIGIN, caId: ca.id, validityDays: 3 } });
    expect(first.status, first.text).toBe(201);
    const deps = depsFrom(env);
    const issuedAt = Date.now();

    // Due when half its lifetime is left (under ten days, renewal/policy.ts), as its record says from installation.
    const installed = await recordOf(first.body.id);
    expect(installed.next_renewal_at).toBe(installed.not_before + 1.5 * DAY);
    expect((await renewDueClientCertificates(deps, issuedAt + 1.2 * DAY)).renewed).toBe(0);
    const report = await renewDueClientCertificates(deps, issuedAt + 2.1 * DAY);
    expect(report).toMatchObject({ renewed: 1, failed: 0 });

    const vercel = await call("GET", `/v1/projects/${project.id}/client-cert`, { token: t.token });
    expect(vercel.body.clientCerts).toHaveLength(1);
    const renewedId = vercel.body.clientCerts[0].id as string;
    expect(vercel.body.clientCerts[0].origin).toBe(ORIGIN);
    expect(renewedId).not.toBe(first.body.id);
    const slot = await env.DB.prepare("SELECT certificate_pem, sealed_key FROM client_certificates WHERE id = ?").bind(renewedId).first<Record<string, string>>();
    const leaf = pemCertificates(slot!.certificate_pem!)[0]!;
    const old = new x509.X509Certificate(first.body.certificate);
    expect(await leaf.verify({ publicKey: ca.certificate.publicKey, signatureOnly: true })).toBe(true);
    expect(leaf.subject).toBe(`CN=${project.name}`);
    expect(leaf.notBefore.getTime()).toBeGreaterThanOrEqual(issuedAt + 2 * DAY);
    expect(leaf.notAfter.getTime() - leaf.notBefore.getTime()).toBe(old.notAfter.getTime() - old.notBefore.getTime());
    expect(Buffer.from(leaf.publicKey.rawData).equals(Buffer.from(old.publicKey.rawData))).toBe(false);
    // Recorded by the renewer, in the same batch as the slot.
    const audit = await env.DB.prepare("SELECT actor FROM audit_log WHERE team_id = ? AND target = ?").bind(t.teamId, renewedId).first<{ actor: string }>();
    expect(audit?.actor).toBe(RENEWAL_ACTOR);

    // Renewed once: the replaced certificate is no longer in a slot, so it is not due again; its renewal is due when
    // its own lifetime says.
    expect(await recordOf(first.body.id)).toMatchObject({ auto_renew: 0, next_renewal_at: null });
    const renewed = await recordOf(renewedId);
    expect(renewed).toMatchObject({ auto_renew: 1, next_renewal_at: renewed.not_before + 1.5 * DAY });
    expect((await renewDueClientCertificates(deps, issuedAt + 2.2 * DAY)).due).toBe(0);

    // A disabled CA renews nothing more: the certificate stops being renewed, and says so once.
    await env.DB.prepare("UPDATE certificate_authorities SET status = 'disabled' WHERE id = ?").bind(ca.id).run();
    expect(await renewDueClientCertificates(deps, issuedAt + 4.5 * DAY)).toMatchObject({ due: 1, stopped: 1, renewed: 0 });
    expect(await recordOf(renewedId)).toMatchObject({ auto_renew: 0, next_renewal_at: null });
    expect((await renewDueClientCertificates(deps, issuedAt + 4.6 * DAY)).due).toBe(0);
  });

  it("moves a renewal that threw an hour back, so one that keeps failing does not hold back a healthy one due later (limit 1)", async () => {
    const t = await newTenant();
    const project = await newProject(t, null);
    const broken = await insertTeamCa(t.teamId);
    const healthy = await insertTeamCa(t.teamId);
    // Due first (half of 3 days), and its CA's key can no longer be opened: its renewals throw.
    const failing = await call("POST", issuePath(project.id), { token: t.token, json: { origin: ORIGIN, caId: broken.id, validityDays: 3 } });
    expect(failing.status, failing.text).toBe(201);
    // Due later (half of 4 days).
    const fine = await call("POST", issuePath(project.id), { token: t.token, json: { origin: "https://other.partner.example", caId: healthy.id, validityDays: 4 } });
    expect(fine.status, fine.text).toBe(201);
    await env.DB.prepare("UPDATE certificate_authorities SET sealed_key = 'not-a-sealed-key' WHERE id = ?").bind(broken.id).run();
    const deps = depsFrom(env);
    const asOf = Date.now() + 2.1 * DAY;

    expect(await renewDueClientCertificates(deps, asOf, 1)).toMatchObject({ due: 1, failed: 1, renewed: 0 });
    expect(await recordOf(failing.body.id)).toMatchObject({ auto_renew: 1, next_renewal_at: asOf + CLIENT_RENEWAL_RETRY_MS });
    // The next tick reaches the healthy one.
    expect(await renewDueClientCertificates(deps, asOf + 60_000, 1)).toMatchObject({ due: 1, renewed: 1, failed: 0 });
    expect((await storedRows(t.teamId)).client).toBe(2);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM client_certificates WHERE id = ?").bind(fine.body.id).first("n")).toBe(0);
    // The failing one is due again an hour after it failed, not before; it is still in its slot, unchanged.
    expect((await renewDueClientCertificates(deps, asOf + 120_000, 1)).due).toBe(0);
    expect(await renewDueClientCertificates(deps, asOf + CLIENT_RENEWAL_RETRY_MS, 1)).toMatchObject({ due: 1, failed: 1 });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM client_certificates WHERE id = ?").bind(failing.body.id).first("n")).toBe(1);
  });

  it("reads only the due records, through private_certificates_renewal_idx, and their slot by primary key", async () => {
    const query = dueClientCertificatesQuery(Date.now(), 50);
    const results = await database(env.DB).all<{ detail: string }>(sql`EXPLAIN QUERY PLAN ${query}`);
    const plan = results.map((r) => r.detail);
    expect(plan[0]).toMatch(/^SEARCH p USING INDEX private_certificates_renewal_idx \((next_renewal_at>\? AND )?next_renewal_at<\?\)/);
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH c USING (COVERING )?INDEX sqlite_autoindex_client_certificates_\d \(id=\?\)/));
    expect(plan.filter((d) => /^SCAN |TEMP B-TREE/.test(d))).toEqual([]);
  });

  it("is not renewed by the private_renewal stage while in its slot; once out of it, that stage only clears it", async () => {
    const t = await newTenant();
    const project = await newProject(t, null);
    const ca = await insertTeamCa(t.teamId);
    const issued = await call("POST", issuePath(project.id), { token: t.token, json: { origin: ORIGIN, caId: ca.id, validityDays: 3 } });
    expect(issued.status, issued.text).toBe(201);
    const before = await recordOf(issued.body.id);
    const due = Date.now() + 2.1 * DAY;
    expect((await renewDuePrivateCertificates(depsFrom(env), due)).due).toBe(0);
    expect(await recordOf(issued.body.id)).toEqual(before);
    // Deleted from its slot: no stage renews it, and private_renewal stops it (its key was the slot's).
    await env.DB.prepare("DELETE FROM client_certificates WHERE id = ?").bind(issued.body.id).run();
    expect(await renewDuePrivateCertificates(depsFrom(env), due)).toMatchObject({ due: 1, stopped: 1, renewed: 0 });
    expect(await recordOf(issued.body.id)).toMatchObject({ serial: before.serial, next_renewal_at: null });
    expect((await renewDueClientCertificates(depsFrom(env), due)).due).toBe(0);
  });

  it("migration 0011 gives the slots installed before it their renewal time, and nothing else", async () => {
    const t = await newTenant();
    const project = await newProject(t, null);
    const ca = await insertTeamCa(t.teamId);
    const issue = async (origin: string, validityDays: number) => {
      const res = await call("POST", issuePath(project.id), { token: t.token, json: { origin, caId: ca.id, validityDays } });
      expect(res.status, res.text).toBe(201);
      return res.body.id as string;
    };
    const short = await issue(ORIGIN, 3);
    const long = await issue("https://long.partner.example", 30);
    const orphan = await issue("https://orphan.partner.example", 30);
    await env.DB.prepare("DELETE FROM client_certificates WHERE id = ?").bind(orphan).run();
    // As rows installed before the change were: no next_renewal_at.
    await env.DB.prepare("UPDATE private_certificates SET next_renewal_at = NULL WHERE team_id = ?").bind(t.teamId).run();
    const migration = env.TEST_MIGRATIONS.find((m) => m.name === "0011_client_certificate_renewal_due.sql");
    expect(migration).toBeDefined();
    for (const query of migration!.queries) await env.DB.prepare(query).run();

    const [s, l] = [await recordOf(short), await recordOf(long)];
    expect(s.next_renewal_at).toBe(s.not_after - (s.not_after - s.not_before) / 2);
    expect(l.next_renewal_at).toBe(l.not_after - Math.trunc((l.not_after - l.not_before) / 3));
    expect((await recordOf(orphan)).next_renewal_at).toBeNull();
    // And the stage finds them by it: the short one is renewed (its slot holds a new certificate), the long one not yet.
    expect((await renewDueClientCertificates(depsFrom(env), s.next_renewal_at! + 1000)).renewed).toBeGreaterThanOrEqual(1);
    expect(await recordOf(short)).toMatchObject({ auto_renew: 0, next_renewal_at: null });
    expect(await recordOf(long)).toMatchObject({ auto_renew: 1, next_renewal_at: l.next_renewal_at });
  });

  it("an upload made into the slot meanwhile is left alone", async () => {
    const t = await newTenant();
    const project = await newProject(t, null);
    const ca = await insertTeamCa(t.teamId);
    const issued = await call("POST", issuePath(project.id), { token: t.token, json: { origin: ORIGIN, caId: ca.id, validityDays: 3 } });
    await env.DB.prepare("DELETE FROM client_certificates WHERE id = ?").bind(issued.body.id).run();
    expect((await renewDueClientCertificates(depsFrom(env), Date.now() + 2.5 * DAY)).due).toBe(0);
    expect((await storedRows(t.teamId)).client).toBe(0);
  });
});

describe("GET /metrics: the expiry gauge covers private certificates", () => {
  it("labels them by issuer (private:<CA name>), with their slot's project, and drops a replaced one", async () => {
    const t = await newTenant();
    const project = await newProject(t, null);
    const ca = await insertTeamCa(t.teamId);
    const replaced = await call("POST", issuePath(project.id), { token: t.token, json: { origin: ORIGIN, caId: ca.id } });
    const issued = await call("POST", issuePath(project.id), { token: t.token, json: { origin: ORIGIN, caId: ca.id } });
    const res = await call("GET", "/metrics", { token: t.token });
    expect(res.status).toBe(200);
    const lines = res.text.split("\n").filter((line) => line.startsWith("certdesk_certificate_expiration_timestamp_seconds{"));
    expect(lines).toHaveLength(1);
    const notAfter = Math.floor(new x509.X509Certificate(issued.body.certificate).notAfter.getTime() / 1000);
    expect(lines[0]).toContain(`id="${issued.body.id}"`);
    expect(lines[0]).toContain(`issuer="private:${ca.name}"`);
    expect(lines[0]).toContain(`project="${project.name}"`);
    expect(lines[0]).toContain(`type="private"`);
    expect(lines[0]!.endsWith(` ${notAfter}`)).toBe(true);
    expect(res.text).not.toContain(replaced.body.id);
    expect(res.text).toMatch(new RegExp(`certdesk_certificate_ready_status\\{[^}]*id="${issued.body.id}"[^}]*condition="True"\\} 1`));
    // The aggregates group it by its CA and status, the replaced one left out of them too.
    const labels = `team="${t.slug}",type="private",issuer="private:${ca.name}",status="active"`;
    expect(res.text).toContain(`certdesk_certificates_earliest_expiration_timestamp_seconds{${labels}} ${notAfter}\n`);
    const counted = [...res.text.matchAll(new RegExp(`^certdesk_certificates_expiring\\{${labels.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")},within="(\\w+)"\\} (\\d+)$`, "gm"))];
    // One certificate, in each window its expiry falls in (a window with none has no sample).
    const days = (notAfter * 1000 - Date.now()) / 86_400_000;
    const windows = [1, 7, 14, 30].filter((within) => days <= within).map((within) => [`${within}d`, 1]);
    expect(counted.map((m) => [m[1], Number(m[2])])).toEqual(windows);
  });

  it("reads a team's private certificates nearest expiry first through an index, never a scan", async () => {
    const t = await newTenant();
    const { sql, params } = certificateGaugeRowsQueries(database(env.DB), t.teamId, 10, Date.now())[2].toSQL();
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...params).all<{ detail: string }>();
    const plan = results.map((r) => r.detail);
    // Unexpired ones in expiry order, stopped at the limit: only those few are then sorted, not the team's certificates.
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH private_certificates USING (COVERING )?INDEX private_certificates_team_expiry_idx \(team_id=\? AND not_after>\?\)/));
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH private_certificates USING INTEGER PRIMARY KEY \(rowid=\?\)/));
    expect(plan.filter((d) => /^SCAN /.test(d))).toEqual([]);
  });
});

describe("POST /api/v1/cas/:id/publish-to-organization", () => {
  it("adds the CA's own certificate to the organization store, active, answered as OpenAI's object", async () => {
    const t = await newTenant();
    const root = await insertTeamCa(t.teamId);
    const intermediate = await insertTeamCa(t.teamId, { parent: root });
    const res = await call("POST", `/api/v1/cas/${intermediate.id}/publish-to-organization`, { token: t.token });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ object: "organization.certificate", name: intermediate.name, active: true });
    expect(res.body.certificate_details.expires_at).toBe(Math.floor(intermediate.certificate.notAfter.getTime() / 1000));

    // The store holds the CA certificate alone (not its chain), active for the organization.
    const got = await call("GET", `/v1/organization/certificates/${res.body.id}?include[]=content`, { token: t.token });
    expect(got.status).toBe(200);
    const stored = pemCertificates(got.body.certificate_details.content);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.equal(intermediate.certificate)).toBe(true);
    const list = await call("GET", "/v1/organization/certificates", { token: t.token });
    expect(list.body.data).toEqual([expect.objectContaining({ id: res.body.id, active: true })]);

    // Twice is a 409 naming the entry; still one entry.
    const again = await call("POST", `/api/v1/cas/${intermediate.id}/publish-to-organization`, { token: t.token });
    expect(again.status).toBe(409);
    expect(again.body.error).toContain(res.body.id);
    expect((await storedRows(t.teamId)).organization).toBe(1);
  });

  it("another team's CA is a 404, an unknown one too; nothing is stored", async () => {
    const [t, other] = await Promise.all([newTenant(), newTenant()]);
    const theirs = await insertTeamCa(other.teamId);
    for (const id of [theirs.id, "ca_nothing", "x".repeat(65)]) {
      const res = await call("POST", `/api/v1/cas/${id}/publish-to-organization`, { token: t.token });
      expect(res.status, id).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect((await call("POST", `/api/v1/cas/${theirs.id}/publish-to-organization`, { token: t.token })).status).toBe(404);
    expect((await storedRows(t.teamId)).organization).toBe(0);
    expect((await storedRows(other.teamId)).organization).toBe(0);
  });

  it("needs cas:write and organization:write", async () => {
    const t = await newTenant();
    const ca = await insertTeamCa(t.teamId);
    for (const scopes of [["cas:write"], ["organization:write"], ["cas:issue", "organization:write"]]) {
      const res = await call("POST", `/api/v1/cas/${ca.id}/publish-to-organization`, { token: await tokenWith(t, scopes) });
      expect(res.status, scopes.join(" ")).toBe(403);
    }
    const res = await call("POST", `/api/v1/cas/${ca.id}/publish-to-organization`, { token: await tokenWith(t, ["cas:write", "organization:write"]) });
    expect(res.status, res.text).toBe(201);
  });
});
