/** `POST /v8/certs/:id/export`: a team certificate with its key, only with certificates:export, in Vercel's error shape. */
import { compactDecrypt, exportJWK, generateKeyPair } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { call, newProject, newTenant, type Tenant } from "../../support/api";
import {
  PEM_PRIVATE_KEY,
  SCOPE_SETS_WITHOUT_EXPORT,
  expectKeyMatchesCertificate,
  exportEvents,
  recipientKeys,
  tokenWith,
} from "../../support/export-checks";
import { makeChain } from "../../support/pki-fixtures";

const ACTION = "POST /v8/certs/:id/export";
const exportPath = (certId: string, query = "") => `/v8/certs/${certId}/export${query}`;

let tenant: Tenant;
let stranger: Tenant;
let certId: string;
let exporter: { id: string; token: string };
let chain: Awaited<ReturnType<typeof makeChain>>;

beforeAll(async () => {
  [tenant, stranger] = await Promise.all([newTenant(), newTenant()]);
  const domain = (await newProject(tenant)).domain!;
  chain = await makeChain({ key: "RSA-2048", names: [domain] });
  const uploaded = await call("PUT", "/v8/certs", { token: tenant.token, json: { cert: chain.leafPem, key: chain.keyPem, ca: chain.intermediatePem! + chain.rootPem } });
  expect(uploaded.status).toBe(200);
  certId = uploaded.body.id;
  exporter = await tokenWith(tenant, ["certificates:export"]);
});

describe("who may export", () => {
  it.each(SCOPE_SETS_WITHOUT_EXPORT.map((scopes) => ({ scopes, label: scopes.join(" ") })))("403 without certificates:export: $label", async ({ scopes }) => {
    const { token } = await tokenWith(tenant, scopes);
    const res = await call("POST", exportPath(certId), { token });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: { code: "forbidden", message: "This token lacks the certificates:export scope" } });
  });

  it("404 for another team's certificate, even with the scope", async () => {
    const res = await call("POST", exportPath(certId), { token: stranger.token });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });

  it("404 when teamId names another team", async () => {
    const res = await call("POST", exportPath(certId, `?teamId=${stranger.teamId}`), { token: exporter.token });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: "not_found", message: "Team not found" } });
  });
});

describe("an export", () => {
  it("returns cert, ca and the matching PKCS#8 key, in PUT /v8/certs' field names", async () => {
    const res = await call("POST", exportPath(certId, `?teamId=${tenant.teamId}`), { token: exporter.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: certId, keyType: "RSA-2048", expiresAt: expect.any(Number), cns: expect.any(Array) });
    expect(res.body).not.toHaveProperty("keyJwe");
    expect(res.body.cert.trim()).toBe(chain.leafPem.trim());
    expect(res.body.ca).toContain(chain.intermediatePem!.trim());
    await expectKeyMatchesCertificate(res.body.key, res.body.cert);

    const [event] = await exportEvents(tenant, ACTION);
    expect(event).toMatchObject({ actor: exporter.id, target: certId, detail: { sealed: false, recipient: null } });
    expect(JSON.stringify(event)).not.toMatch(PEM_PRIVATE_KEY);
  });

  it("sealed to a recipient, returns only a JWE that decrypts to the same key", async () => {
    const recipient = await recipientKeys("X25519");
    const res = await call("POST", exportPath(certId), { token: exporter.token, json: { recipient: recipient.publicJwk } });
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty("key");
    expect(res.text).not.toMatch(PEM_PRIVATE_KEY);
    const pem = new TextDecoder().decode((await compactDecrypt(res.body.keyJwe, recipient.privateKey)).plaintext);
    await expectKeyMatchesCertificate(pem, res.body.cert);

    const [event] = await exportEvents(tenant, ACTION);
    expect(event).toMatchObject({ actor: exporter.id, target: certId, detail: { sealed: true, recipient: { kty: "OKP", crv: "X25519" } } });
  });

  it.each([
    ["a private JWK", async () => (await recipientKeys("P-256")).privateJwk],
    ["an RSA JWK", async () => exportJWK((await generateKeyPair("RSA-OAEP-256", { extractable: true })).publicKey)],
  ])("400 naming recipient for %s", async (_label, make) => {
    const res = await call("POST", exportPath(certId), { token: exporter.token, json: { recipient: await make() } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("bad_request");
    expect(res.body.error.message).toMatch(/^recipient\./);
    expect(res.text).not.toMatch(PEM_PRIVATE_KEY);
  });
});
