import { beforeAll, describe, expect, it } from "vitest";
import { call, env, newProject, newTenant, seenBodies, type Tenant } from "../../support/api";
import { makeChain } from "../../support/pki-fixtures";

type Chain = Awaited<ReturnType<typeof makeChain>>;

const path = (projectId: string, suffix = "") => `/api/v1/projects/${projectId}/certificate${suffix}`;

let tenant: Tenant;
let project: { id: string; domain: string | null };
let good: Chain;

beforeAll(async () => {
  tenant = await newTenant();
  project = await newProject(tenant);
  good = await makeChain({ key: "EC-P256", names: [project.domain!] });
});

describe("custom certificate: happy path", () => {
  it("validates, uploads, reads back, reports status, and deletes", async () => {
    expect((await call("GET", path(project.id), { token: tenant.token })).body).toBeNull();
    const material = { certificate: good.chainPem, privateKey: good.keyPem };

    const validated = await call("POST", path(project.id, "/validate"), { token: tenant.readToken, json: material });
    expect(validated.status).toBe(200);
    expect(validated.body).toMatchObject({ valid: true, domain: project.domain, warnings: expect.any(Array) });
    expect(validated.body.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect((await call("GET", path(project.id), { token: tenant.token })).body).toBeNull();

    const uploaded = await call("POST", path(project.id, "/upload"), { token: tenant.token, json: material });
    expect(uploaded.status).toBe(200);
    expect(uploaded.body.success).toBe(true);
    expect(uploaded.body.certificate).toMatchObject({ domain: project.domain, type: "custom", autoRenew: false });

    const got = await call("GET", path(project.id), { token: tenant.readToken });
    expect(got.body).toMatchObject({ domain: project.domain, type: "custom", issuer: uploaded.body.certificate.issuer });
    expect(got.body.issuedAt).toBe(validated.body.issuedAt);

    const status = await call("GET", path(project.id, "/status"), { token: tenant.readToken });
    expect(status.body).toMatchObject({
      status: "valid",
      domain: project.domain,
      autoRenew: false,
      lastRenewAttempt: null,
      lastRenewError: null,
    });
    expect(status.body.daysUntilExpiry).toBeGreaterThan(60);

    const row = await env.DB.prepare("SELECT * FROM certificates WHERE project_id = ?").bind(project.id).first<any>();
    expect(row.sealed_key).toMatch(/^v\d+\./);
    expect(JSON.stringify(row)).not.toMatch(/PRIVATE KEY/);

    const removed = await call("DELETE", path(project.id), { token: tenant.token });
    expect(removed.body).toEqual({ success: true, message: "Certificate removed" });
    expect((await call("GET", path(project.id), { token: tenant.token })).body).toBeNull();
    expect((await call("GET", path(project.id, "/status"), { token: tenant.token })).status).toBe(404);
  });

  it("replaces the previous certificate only with a valid one", async () => {
    const p = await newProject(tenant);
    const first = await makeChain({ key: "RSA-2048", names: [p.domain!] });
    const second = await makeChain({ key: "EC-P384", names: [p.domain!] });
    const up1 = await call("POST", path(p.id, "/upload"), { token: tenant.token, json: { certificate: first.chainPem, privateKey: first.keyPem } });
    expect(up1.status).toBe(200);
    const bad = await call("POST", path(p.id, "/upload"), { token: tenant.token, json: { certificate: second.chainPem, privateKey: first.keyPem } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("Certificate and private key do not match");
    expect((await call("GET", path(p.id), { token: tenant.token })).body.serial).toBe(up1.body.certificate.serial);
    const up2 = await call("POST", path(p.id, "/upload"), { token: tenant.token, json: { certificate: second.chainPem, privateKey: second.keyPem } });
    expect(up2.status).toBe(200);
    const now = await call("GET", path(p.id), { token: tenant.token });
    expect(now.body.serial).toBe(up2.body.certificate.serial);
    expect(now.body.keyType).toBe("EC-P384");
    const count = await env.DB.prepare("SELECT count(*) AS n FROM certificates WHERE project_id = ?").bind(p.id).first<{ n: number }>();
    expect(count?.n).toBe(1);
  });
});

describe("custom certificate: errors", () => {
  it("says the project has no domain", async () => {
    const p = await newProject(tenant, null);
    const res = await call("POST", path(p.id, "/upload"), { token: tenant.token, json: { certificate: good.chainPem, privateKey: good.keyPem } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ success: false, error: `Project has no domain configured: set one with PATCH /api/v1/projects/${p.id} and {"domain": "app.example.com"}`, code: "domain_not_configured" });
  });

  it("refuses a certificate for another domain, naming the domain", async () => {
    const p = await newProject(tenant);
    const res = await call("POST", path(p.id, "/upload"), { token: tenant.token, json: { certificate: good.chainPem, privateKey: good.keyPem } });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(`Certificate is not valid for domain ${p.domain}`);
    const validated = await call("POST", path(p.id, "/validate"), { token: tenant.token, json: { certificate: good.chainPem, privateKey: good.keyPem } });
    expect(validated.status).toBe(422);
    expect(validated.body).toMatchObject({ valid: false, error: `Certificate is not valid for domain ${p.domain}` });
  });

  it("reports a key mismatch", async () => {
    const other = await makeChain({ key: "EC-P256", names: [project.domain!] });
    const res = await call("POST", path(project.id, "/validate"), { token: tenant.token, json: { certificate: good.chainPem, privateKey: other.keyPem } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ valid: false, error: "Certificate and private key do not match" });
  });
});

describe("validate: the certificate is read before the project, the answers keep their order", () => {
  const malformed = { certificate: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", privateKey: "not a key" };
  const validate = (projectId: string, json: unknown, token = tenant.token) => call("POST", path(projectId, "/validate"), { token, json });

  it("another team's project is 404 whether the certificate is good or malformed", async () => {
    const other = await newTenant();
    const theirs = await newProject(other, project.domain === null ? null : `x-${project.domain}`);
    for (const json of [{ certificate: good.chainPem, privateKey: good.keyPem }, malformed]) {
      const res = await validate(theirs.id, json);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ success: false, error: `Project ${theirs.id} not found`, code: "not_found" });
    }
  });

  it("a project without a domain is refused before a malformed certificate is", async () => {
    const p = await newProject(tenant, null);
    for (const json of [{ certificate: good.chainPem, privateKey: good.keyPem }, malformed]) {
      const res = await validate(p.id, json);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ success: false, error: `Project has no domain configured: set one with PATCH /api/v1/projects/${p.id} and {"domain": "app.example.com"}`, code: "domain_not_configured" });
    }
  });

  it("a malformed certificate for the team's own project is its own 400", async () => {
    const res = await validate(project.id, malformed);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_certificate");
    expect(res.body.error).toMatch(/certificate/i);
  });

  it("the domain rule comes before the names rule, as in upload", async () => {
    const p = await newProject(tenant);
    const stranger = await makeChain({ key: "EC-P256", names: [`nobody-${p.domain}`] });
    const res = await validate(p.id, { certificate: stranger.chainPem, privateKey: stranger.keyPem });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ valid: false, code: "domain_mismatch", error: `Certificate is not valid for domain ${p.domain}` });
  });
});

describe("custom certificate: every name must be the team's", () => {
  const notHeld = (name: string) => `The team does not hold ${name}: add the domain to one of the team's projects before uploading a certificate for it`;
  const material = (chain: Chain) => ({ certificate: chain.chainPem, privateKey: chain.keyPem });

  it("validate answers 422 and upload refuses a certificate that also names another team's domain, storing nothing", async () => {
    const stranger = await newTenant();
    const theirs = (await newProject(stranger)).domain!;
    const p = await newProject(tenant);
    const chain = await makeChain({ names: [p.domain!, theirs] });
    const validated = await call("POST", path(p.id, "/validate"), { token: tenant.readToken, json: material(chain) });
    expect(validated.status).toBe(422);
    expect(validated.body).toMatchObject({ valid: false, error: notHeld(theirs), code: "domain_not_configured", names: [p.domain, theirs] });
    const uploaded = await call("POST", path(p.id, "/upload"), { token: tenant.token, json: material(chain) });
    expect(uploaded.status).toBe(400);
    expect(uploaded.body).toEqual({ success: false, error: notHeld(theirs), code: "domain_not_configured" });
    expect((await call("GET", path(p.id), { token: tenant.token })).body).toBeNull();
  });

  it("says the same words for a name nobody holds: no hint whether another team holds it", async () => {
    const p = await newProject(tenant);
    const nobodys = `nobody-${crypto.randomUUID().slice(0, 8)}.example.com`;
    const chain = await makeChain({ names: [p.domain!, nobodys] });
    const validated = await call("POST", path(p.id, "/validate"), { token: tenant.token, json: material(chain) });
    expect(validated.status).toBe(422);
    expect(validated.body.error).toBe(notHeld(nobodys));
    expect((await call("POST", path(p.id, "/upload"), { token: tenant.token, json: material(chain) })).body.error).toBe(notHeld(nobodys));
  });

  it("a wildcard certificate needs the team's wildcard claim, not just the project's name under it", async () => {
    const t = await newTenant();
    const base = `wild-${crypto.randomUUID().slice(0, 8)}.example.com`;
    const p = await newProject(t, `api.${base}`);
    const chain = await makeChain({ names: [`*.${base}`] });
    const refused = await call("POST", path(p.id, "/upload"), { token: t.token, json: material(chain) });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe(notHeld(`*.${base}`));
    await newProject(t, `*.${base}`);
    const accepted = await call("POST", path(p.id, "/upload"), { token: t.token, json: material(chain) });
    expect(accepted.status, accepted.text).toBe(200);
  });

  it("accepts extra names the team holds through its other projects", async () => {
    const p = await newProject(tenant);
    const other = await newProject(tenant);
    const chain = await makeChain({ names: [p.domain!, other.domain!] });
    expect((await call("POST", path(p.id, "/validate"), { token: tenant.token, json: material(chain) })).status).toBe(200);
    const uploaded = await call("POST", path(p.id, "/upload"), { token: tenant.token, json: material(chain) });
    expect(uploaded.status, uploaded.text).toBe(200);
    expect(uploaded.body.certificate.names).toEqual([p.domain, other.domain]);
  });
});

describe("custom certificate: hostile and malformed input", () => {
  const cert = () => good.chainPem;
  const key = () => good.keyPem;
  const b64 = (s: string) => btoa(s);
  const pem = (label: string, body: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
  const bodies: Array<[string, () => { body?: string; json?: unknown; headers?: Record<string, string> }]> = [
    ["empty body", () => ({ body: "", headers: { "Content-Type": "application/json" } })],
    ["invalid JSON", () => ({ body: "{certificate:", headers: { "Content-Type": "application/json" } })],
    ["JSON null", () => ({ json: null })],
    ["JSON array", () => ({ json: [cert(), key()] })],
    ["JSON string", () => ({ json: "certificate" })],
    ["JSON number", () => ({ json: 42 })],
    ["missing certificate", () => ({ json: { privateKey: key() } })],
    ["missing privateKey", () => ({ json: { certificate: cert() } })],
    ["certificate is a number", () => ({ json: { certificate: 1, privateKey: key() } })],
    ["certificate is null", () => ({ json: { certificate: null, privateKey: key() } })],
    ["certificate is an array", () => ({ json: { certificate: [cert()], privateKey: key() } })],
    ["certificate is an object", () => ({ json: { certificate: { pem: cert() }, privateKey: key() } })],
    ["privateKey is a boolean", () => ({ json: { certificate: cert(), privateKey: true } })],
    ["empty certificate", () => ({ json: { certificate: "", privateKey: key() } })],
    ["empty privateKey", () => ({ json: { certificate: cert(), privateKey: "" } })],
    ["unknown field", () => ({ json: { certificate: cert(), privateKey: key(), admin: true } })],
    ["certificate over 64 KiB", () => ({ json: { certificate: cert().repeat(200), privateKey: key() } })],
    ["form encoded", () => ({ body: "certificate=x&privateKey=y", headers: { "Content-Type": "application/x-www-form-urlencoded" } })],
    ["plain text", () => ({ body: "hello", headers: { "Content-Type": "text/plain" } })],
    ["garbage certificate", () => ({ json: { certificate: "hello world", privateKey: key() } })],
    ["garbage key", () => ({ json: { certificate: cert(), privateKey: "not a key" } })],
    ["empty PEM block", () => ({ json: { certificate: pem("CERTIFICATE", ""), privateKey: key() } })],
    ["base64 that is not DER", () => ({ json: { certificate: pem("CERTIFICATE", b64("definitely not asn1 at all")), privateKey: key() } })],
    ["invalid base64", () => ({ json: { certificate: pem("CERTIFICATE", "!!!!@@@@####"), privateKey: key() } })],
    ["truncated certificate", () => ({ json: { certificate: cert().slice(0, 200) + "\n-----END CERTIFICATE-----", privateKey: key() } })],
    ["mismatched PEM labels", () => ({ json: { certificate: cert().replace("END CERTIFICATE", "END PRIVATE KEY"), privateKey: key() } })],
    ["a key where the certificate belongs", () => ({ json: { certificate: key(), privateKey: key() } })],
    ["a certificate where the key belongs", () => ({ json: { certificate: cert(), privateKey: cert() } })],
    ["a CSR where the certificate belongs", () => ({ json: { certificate: pem("CERTIFICATE REQUEST", b64("\x30\x03\x02\x01\x00")), privateKey: key() } })],
    ["a public key where the certificate belongs", () => ({ json: { certificate: pem("PUBLIC KEY", b64("\x30\x03\x02\x01\x00")), privateKey: key() } })],
    ["an encrypted PKCS#8 key", () => ({ json: { certificate: cert(), privateKey: pem("ENCRYPTED PRIVATE KEY", b64("\x30\x03\x02\x01\x00")) } })],
    ["a legacy encrypted key", () => ({ json: { certificate: cert(), privateKey: "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n" } })],
    ["raw DER bytes as text", () => ({ json: { certificate: "\u0030\u0082\u0001\u0000\u0002\u0001", privateKey: key() } })],
    ["NUL bytes", () => ({ json: { certificate: "\u0000".repeat(64), privateKey: key() } })],
    ["only whitespace", () => ({ json: { certificate: "   \n\t  ", privateKey: key() } })],
    ["deeply nested ASN.1", () => ({ json: { certificate: pem("CERTIFICATE", b64("\x30\x80".repeat(2000))), privateKey: key() } })],
    ["huge ASN.1 length", () => ({ json: { certificate: pem("CERTIFICATE", b64("\x30\x84\x7f\xff\xff\xff\x02\x01\x00")), privateKey: key() } })],
    ["an SQL injection in the PEM", () => ({ json: { certificate: "'; DROP TABLE certificates; --", privateKey: key() } })],
    ["a script tag", () => ({ json: { certificate: "<script>alert(1)</script>", privateKey: key() } })],
    ["an unknown PEM label", () => ({ json: { certificate: pem("X509 CRL", b64("\x30\x03\x02\x01\x00")), privateKey: key() } })],
    ["twelve certificates", () => ({ json: { certificate: Array(12).fill(good.leafPem).join("\n"), privateKey: key() } })],
    ["key of a DSA kind", () => ({ json: { certificate: cert(), privateKey: pem("DSA PRIVATE KEY", b64("\x30\x03\x02\x01\x00")) } })],
  ];

  it("has at least 40 cases", () => expect(bodies.length).toBeGreaterThanOrEqual(40));

  for (const action of ["validate", "upload"] as const) {
    it.each(bodies)(`${action}: %s → 4xx with a specific message, nothing stored`, async (_name, build) => {
      const p = await newProject(tenant);
      const res = await call("POST", path(p.id, `/${action}`), { token: tenant.token, ...build() });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const message: string = res.body?.error ?? "";
      expect(message.length).toBeGreaterThan(8);
      expect(message).not.toMatch(/internal|undefined|\[object/i);
      expect((await call("GET", path(p.id), { token: tenant.token })).body).toBeNull();
    });
  }

  it("413 for a body over the limit", async () => {
    const res = await call("POST", path(project.id, "/validate"), {
      token: tenant.token,
      body: JSON.stringify({ certificate: "x".repeat(300 * 1024), privateKey: "y" }),
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(413);
    expect(res.body.error).toBe("Request body is larger than 256 KiB");
  });
});

describe("custom certificate: auth and tenancy", () => {
  it("no private key ever appears in a response body", () => {
    expect(seenBodies.length).toBeGreaterThan(50);
    for (const body of seenBodies) expect(body).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  });
});
