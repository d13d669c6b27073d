/** `POST /api/v1/projects/:id/certificate/export`: only with certificates:export, audited first, sealed to a recipient when asked. */
import { calculateJwkThumbprint, compactDecrypt, exportJWK, generateKeyPair } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { call, newProject, newTenant, type Tenant } from "../../support/api";
import {
  PEM_PRIVATE_KEY,
  SCOPE_SETS_WITHOUT_EXPORT,
  expectKeyMatchesCertificate,
  exportEvents,
  recipientKeys,
  tokenWith,
  withExportAuditFailing,
} from "../../support/export-checks";
import { isExportRoute } from "../../support/no-secrets";
import { makeCa, makeChain } from "../../support/pki-fixtures";

const ACTION = "POST /api/v1/projects/:id/certificate/export";
const exportPath = (projectId: string) => `/api/v1/projects/${projectId}/certificate/export`;

let tenant: Tenant;
let stranger: Tenant;
let project: { id: string; domain: string | null };
let certificateId: string;
let exporter: { id: string; token: string };
let chain: Awaited<ReturnType<typeof makeChain>>;

beforeAll(async () => {
  [tenant, stranger] = await Promise.all([newTenant(), newTenant()]);
  project = await newProject(tenant);
  chain = await makeChain({ key: "EC-P256", names: [project.domain!] });
  const uploaded = await call("POST", `/api/v1/projects/${project.id}/certificate/upload`, {
    token: tenant.token,
    json: { certificate: chain.chainPem, privateKey: chain.keyPem },
  });
  expect(uploaded.status).toBe(200);
  certificateId = uploaded.body.certificate.id;
  exporter = await tokenWith(tenant, ["certificates:export"]);
});

describe("the certificates:export scope", () => {
  it.each(SCOPE_SETS_WITHOUT_EXPORT.map((scopes) => ({ scopes, label: scopes.join(" ") })))("403 without it: $label", async ({ scopes }) => {
    const { token } = await tokenWith(tenant, scopes);
    const res = await call("POST", exportPath(project.id), { token });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ success: false, code: "forbidden", error: "This token lacks the certificates:export scope" });
  });

  it("is held by the bootstrap token and shown when tokens are listed", async () => {
    const listed = await call("GET", "/api/v1/tokens", { token: tenant.token });
    const byName = (name: string) => listed.body.tokens.find((t: any) => t.name === name);
    expect(byName("bootstrap").scopes).toContain("certificates:export");
    expect(listed.body.tokens.find((t: any) => t.id === exporter.id).scopes).toEqual(["certificates:export"]);
    expect(byName("read-only").scopes).not.toContain("certificates:export");
  });

  it("implies nothing: an export-only token reads no certificate and grants no token", async () => {
    expect((await call("GET", `/api/v1/projects/${project.id}/certificate`, { token: exporter.token })).status).toBe(403);
    expect((await call("GET", `/v8/certs`, { token: exporter.token })).status).toBe(403);
    expect((await call("GET", "/api/v1/tokens", { token: exporter.token })).status).toBe(403);
  });

  it("cannot be granted by a token that lacks it, even one with every other scope", async () => {
    const { token } = await tokenWith(tenant, SCOPE_SETS_WITHOUT_EXPORT[0]!);
    const res = await call("POST", "/api/v1/tokens", { token, json: { name: "escalate", scopes: ["certificates:export"] } });
    expect(res.status).toBe(403);
    expect(res.body.error).toContain("certificates:export");
  });

  it("404 for another team's project, even with the scope", async () => {
    const res = await call("POST", exportPath(project.id), { token: stranger.token });
    expect(res.status).toBe(404);
    expect(res.text).not.toContain(certificateId);
  });

  it("404 for a project with no certificate", async () => {
    const empty = await newProject(tenant);
    expect((await call("POST", exportPath(empty.id), { token: exporter.token })).status).toBe(404);
  });
});

describe("a plain export", () => {
  it("returns the leaf, the chain and the matching PKCS#8 key", async () => {
    const res = await call("POST", exportPath(project.id), { token: exporter.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: certificateId, domain: project.domain, keyType: "EC-P256", serial: expect.any(String) });
    expect(res.body.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(res.body).not.toHaveProperty("privateKeyJwe");
    expect(res.body.certificatePem.trim()).toBe(chain.leafPem.trim());
    expect(res.body.chainPem).toContain(chain.intermediatePem!.trim());
    await expectKeyMatchesCertificate(res.body.privateKeyPem, res.body.certificatePem);
  });

  it("is recorded with its actor and target, and no key material", async () => {
    const res = await call("POST", exportPath(project.id), { token: exporter.token });
    const [event] = await exportEvents(tenant, ACTION);
    expect(event).toMatchObject({ actor: exporter.id, target: certificateId, detail: { sealed: false, recipient: null, serial: res.body.serial } });
    expect(Date.parse(event!.at)).toBeGreaterThan(Date.now() - 60_000);
    const log = JSON.stringify(await exportEvents(tenant, ACTION));
    expect(log).not.toMatch(PEM_PRIVATE_KEY);
    expect(log).not.toContain(res.body.privateKeyPem.split("\n")[1]);
  });

  it("does not happen when it cannot be recorded: 500 and no key", async () => {
    const before = (await exportEvents(tenant, ACTION)).length;
    const res = await withExportAuditFailing(() => call("POST", exportPath(project.id), { token: exporter.token }));
    expect(res.status).toBe(500);
    expect(res.text).not.toMatch(PEM_PRIVATE_KEY);
    expect(res.text).not.toContain("privateKey");
    expect((await exportEvents(tenant, ACTION)).length).toBe(before);
  });
});

describe("an export sealed to a recipient", () => {
  it.each(["P-256", "X25519"] as const)("returns only a JWE that the %s recipient decrypts to the same key", async (crv) => {
    const recipient = await recipientKeys(crv);
    const res = await call("POST", exportPath(project.id), { token: exporter.token, json: { recipient: recipient.publicJwk } });
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty("privateKeyPem");
    expect(res.text).not.toMatch(PEM_PRIVATE_KEY);
    const { plaintext, protectedHeader } = await compactDecrypt(res.body.privateKeyJwe, recipient.privateKey);
    expect(protectedHeader).toMatchObject({ alg: "ECDH-ES", enc: "A256GCM" });
    const pem = new TextDecoder().decode(plaintext);
    await expectKeyMatchesCertificate(pem, res.body.certificatePem);
    const plain = await call("POST", exportPath(project.id), { token: exporter.token });
    expect(pem).toBe(plain.body.privateKeyPem);

    const [, event] = await exportEvents(tenant, ACTION);
    const thumbprint = await calculateJwkThumbprint(recipient.publicJwk);
    expect(event).toMatchObject({ actor: exporter.id, target: certificateId, detail: { sealed: true, recipient: { kty: recipient.publicJwk.kty, crv, thumbprint } } });
    expect(JSON.stringify(event)).not.toContain(res.body.privateKeyJwe.split(".")[3]);
  });

  it("ignores use, key_ops and alg given with the public key", async () => {
    const recipient = await recipientKeys("P-256");
    const jwk = { ...recipient.publicJwk, use: "sig", key_ops: ["verify"], alg: "ES256", kid: "deploy-1" };
    const res = await call("POST", exportPath(project.id), { token: exporter.token, json: { recipient: jwk } });
    expect(res.status).toBe(200);
    expect(new TextDecoder().decode((await compactDecrypt(res.body.privateKeyJwe, recipient.privateKey)).plaintext)).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });
});

describe("a recipient that is refused, with a 400 naming it", () => {
  const refusals: Array<[string, () => Promise<unknown>, RegExp]> = [
    ["a private EC JWK", async () => (await recipientKeys("P-256")).privateJwk, /^recipient\.d: must be a public key/],
    ["a private X25519 JWK", async () => (await recipientKeys("X25519")).privateJwk, /^recipient\.d: must be a public key/],
    ["an RSA public JWK", async () => exportJWK((await generateKeyPair("RSA-OAEP-256", { extractable: true })).publicKey), /^recipient\.kty: must be a P-256/],
    ["an Ed25519 public JWK", async () => exportJWK((await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true })).publicKey), /^recipient\.crv: must be X25519/],
    ["a P-384 public JWK", async () => exportJWK((await generateKeyPair("ECDH-ES", { crv: "P-384", extractable: true })).publicKey), /^recipient\.crv: must be P-256/],
    ["a P-256 point off the curve", async () => ({ ...(await recipientKeys("P-256")).publicJwk, y: "A".repeat(43) }), /^recipient: not a valid P-256 public key/],
    ["a string", async () => "not a key", /^recipient: /],
  ];

  it.each(refusals.map(([label, make, message]) => ({ label, make, message })))("$label", async ({ make, message }) => {
    const before = (await exportEvents(tenant, ACTION)).length;
    const res = await call("POST", exportPath(project.id), { token: exporter.token, json: { recipient: await make() } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("validation_failed");
    expect(res.body.error).toMatch(message);
    expect(res.text).not.toMatch(PEM_PRIVATE_KEY);
    expect((await exportEvents(tenant, ACTION)).length).toBe(before);
  });

  it("refuses other body fields", async () => {
    const res = await call("POST", exportPath(project.id), { token: exporter.token, json: { format: "pem" } });
    expect(res.status).toBe(400);
  });
});

describe("what is never exportable", () => {
  it("has exactly three export routes (a private CA's generated leaf keys among them), none for client certificates, ACME accounts or a CA's key", async () => {
    const doc = await call("GET", "/openapi.json");
    const exports = Object.keys(doc.body.paths).filter((p) => /export/i.test(p));
    expect(exports.sort()).toEqual(["/api/v1/cas/{id}/certificates/{certId}/export", "/api/v1/projects/{id}/certificate/export", "/v8/certs/{id}/export"]);
  });

  it("returns no key from any client certificate route, and has no export beneath them", async () => {
    const ca = await makeCa({ cn: "Client CA" });
    const client = await makeChain({ issuer: ca, eku: ["clientAuth"], names: [], cn: "client-1" });
    const base = `/v1/projects/${project.id}/client-cert`;
    const added = await call("POST", base, {
      token: tenant.token,
      json: { origin: "https://api.example.com", cert: client.leafPem, key: client.keyPem, ca: ca.pem },
    });
    expect(added.status).toBe(200);
    const listed = await call("GET", base, { token: tenant.token });
    expect(listed.status).toBe(200);
    for (const res of [added, listed]) expect(res.text).not.toMatch(PEM_PRIVATE_KEY);
    const id = added.body.certId;
    for (const path of [`${base}/export`, `${base}/${id}/export`, `${base}/${id}/key`]) {
      const res = await call("POST", path, { token: tenant.token });
      expect([404, 405]).toContain(res.status);
      expect(isExportRoute("POST", path)).toBe(false);
    }
  });

  it("lets the test helper allow a key only on the two export paths", () => {
    expect(isExportRoute("POST", "/api/v1/projects/p1/certificate/export")).toBe(true);
    expect(isExportRoute("POST", "https://certdesk.test/v8/certs/c1/export?teamId=t")).toBe(true);
    expect(isExportRoute("GET", "/api/v1/projects/p1/certificate/export")).toBe(false);
    expect(isExportRoute("POST", "/api/v1/projects/p1/certificate/export/more")).toBe(false);
    expect(isExportRoute("POST", "/v1/projects/p1/client-cert/export")).toBe(false);
  });
});
