/** The ACME server's refusals: each bad request gets its specific ACME problem, nothing is issued, and no answer is a 5xx. */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { generateAccountKey } from "../../../src/acme";
import { signExternalAccountBinding } from "../../../src/acme/eab";
import { publicJwk } from "../../../src/acme/account-key";
import { bytesToBase64Url } from "../../../src/crypto/encoding";
import { createCsr } from "../../../src/pki/csr";
import { x509 } from "../../../src/pki/x509-setup";
import { call, newTenant, type Tenant } from "../../support/api";
import { freshNonce, newDirectory, post } from "./server-support";

let tenant: Tenant;
let setup: Awaited<ReturnType<typeof newDirectory>>;
let base: string;
let keys: CryptoKeyPair;
let accountUrl: string;
const statuses: number[] = [];

const ecKeys = () => crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]) as Promise<CryptoKeyPair>;

async function send(url: string, signer: CryptoKeyPair, payload: unknown, options: Parameters<typeof post>[3] = {}) {
  const res = await post(url, signer, payload, options);
  statuses.push(res.status);
  return res;
}

function expectProblem(res: { status: number; headers: Headers; body: any; text: string }, type: string, status = 400) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get("Content-Type")).toBe("application/problem+json");
  expect(res.body.type).toBe(`urn:ietf:params:acme:error:${type}`);
  expect(res.headers.get("Replay-Nonce")).toBeTruthy();
}

const issuedCount = async () => (await env.DB.prepare("SELECT count(*) AS n FROM private_certificates WHERE ca_id = ?").bind(setup.ca.id).first<{ n: number }>())!.n;

async function eabFor(keyId: string, hmacKey: string, signer: CryptoKeyPair) {
  return signExternalAccountBinding({ kid: keyId, hmacKeyB64url: hmacKey }, await publicJwk(signer.publicKey), `${base}/new-account`);
}

beforeAll(async () => {
  tenant = await newTenant();
  setup = await newDirectory(tenant);
  base = setup.directoryUrl.replace(/\/directory$/, "");
  keys = await generateAccountKey();
  const res = await send(`${base}/new-account`, keys, { termsOfServiceAgreed: true, externalAccountBinding: await eabFor(setup.eab.keyId, setup.eab.hmacKey, keys) });
  expect(res.status, res.text).toBe(201);
  accountUrl = res.headers.get("Location")!;
});

describe("JWS checks", () => {
  it("refuses a replayed nonce with badNonce and a fresh Replay-Nonce", async () => {
    const nonce = await freshNonce(setup.directoryUrl);
    const first = await send(`${base}/new-order`, keys, { identifiers: [{ type: "dns", value: "a.svc.internal.example" }] }, { kid: accountUrl, nonce });
    expect(first.status, first.text).toBe(201);
    const replay = await send(`${base}/new-order`, keys, null, { body: first.sent });
    expectProblem(replay, "badNonce");
    expect(replay.headers.get("Replay-Nonce")).not.toBe(nonce);
  });

  it("refuses a protected url other than the request's with unauthorized", async () => {
    const res = await send(`${base}/new-order`, keys, { identifiers: [{ type: "dns", value: "a.svc.internal.example" }] }, { kid: accountUrl, signedUrl: `${base}/new-account` });
    expectProblem(res, "unauthorized", 403);
  });

  it("refuses a JWS signed by another key than the account's (malformed: the signature does not verify)", async () => {
    const res = await send(`${base}/new-order`, await generateAccountKey(), { identifiers: [{ type: "dns", value: "a.svc.internal.example" }] }, { kid: accountUrl });
    expectProblem(res, "malformed");
    expect(res.body.detail).toContain("signature");
  });

  it("refuses a kid that names no account (accountDoesNotExist) and a kid of another directory (malformed: not one of its account URLs)", async () => {
    expectProblem(await send(`${base}/new-order`, keys, { identifiers: [] }, { kid: `${base}/acct/acma_nope` }), "accountDoesNotExist");
    const other = await newDirectory(tenant);
    const otherBase = other.directoryUrl.replace(/\/directory$/, "");
    expectProblem(await send(`${otherBase}/new-order`, keys, { identifiers: [] }, { kid: accountUrl }), "malformed");
  });

  it("refuses a wrong content type and a body that is not a JWS with malformed", async () => {
    const res = await call("POST", `${new URL(base).pathname}/new-order`, { json: { identifiers: [] } });
    statuses.push(res.status);
    expect(res.status).toBe(400);
    expect(res.body.type).toBe("urn:ietf:params:acme:error:malformed");
  });
});

describe("external account binding", () => {
  it("answers externalAccountRequired without one, unauthorized for a wrong MAC, and onlyReturnExisting → accountDoesNotExist", async () => {
    const signer = await generateAccountKey();
    expectProblem(await send(`${base}/new-account`, signer, { termsOfServiceAgreed: true }), "externalAccountRequired");
    const wrongKey = bytesToBase64Url(crypto.getRandomValues(new Uint8Array(32)));
    expectProblem(await send(`${base}/new-account`, signer, { externalAccountBinding: await eabFor(setup.eab.keyId, wrongKey, signer) }), "unauthorized", 403);
    expectProblem(await send(`${base}/new-account`, signer, { onlyReturnExisting: true }), "accountDoesNotExist");
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM acme_server_accounts WHERE directory_id = ?").bind(setup.dir.id).first<{ n: number }>();
    expect(rows!.n).toBe(1);
  });

  it("binds a key to one account only, and a revoked key makes no account and stops its account's orders", async () => {
    const key = await (await call("POST", `/api/v1/acme-directories/${setup.dir.id}/eab-keys`, { token: tenant.token })).body;
    const signer = await generateAccountKey();
    const made = await send(`${base}/new-account`, signer, { externalAccountBinding: await eabFor(key.keyId, key.hmacKey, signer) });
    expect(made.status, made.text).toBe(201);
    const second = await generateAccountKey();
    expectProblem(await send(`${base}/new-account`, second, { externalAccountBinding: await eabFor(key.keyId, key.hmacKey, second) }), "unauthorized", 403);
    expect((await call("DELETE", `/api/v1/acme-directories/${setup.dir.id}/eab-keys/${key.keyId}`, { token: tenant.token })).status).toBe(200);
    const kid = made.headers.get("Location")!;
    expectProblem(await send(`${base}/new-order`, signer, { identifiers: [{ type: "dns", value: "r.svc.internal.example" }] }, { kid }), "unauthorized", 403);
    const fresh = await (await call("POST", `/api/v1/acme-directories/${setup.dir.id}/eab-keys`, { token: tenant.token })).body;
    await call("DELETE", `/api/v1/acme-directories/${setup.dir.id}/eab-keys/${fresh.keyId}`, { token: tenant.token });
    expectProblem(await send(`${base}/new-account`, second, { externalAccountBinding: await eabFor(fresh.keyId, fresh.hmacKey, second) }), "unauthorized", 403);
  });
});

describe("orders and finalize", () => {
  it("rejects a name outside allowedNames that the team does not hold (rejectedIdentifier with a subproblem), storing no order", async () => {
    const before = await env.DB.prepare("SELECT count(*) AS n FROM acme_server_orders WHERE directory_id = ?").bind(setup.dir.id).first<{ n: number }>();
    const res = await send(`${base}/new-order`, keys, { identifiers: [{ type: "dns", value: "ok.svc.internal.example" }, { type: "dns", value: "evil.example.com" }] }, { kid: accountUrl });
    expectProblem(res, "rejectedIdentifier");
    expect(res.body.subproblems).toEqual([expect.objectContaining({ identifier: { type: "dns", value: "evil.example.com" } })]);
    // `*.x` is exactly one label.
    expectProblem(await send(`${base}/new-order`, keys, { identifiers: [{ type: "dns", value: "a.b.svc.internal.example" }] }, { kid: accountUrl }), "rejectedIdentifier");
    const after = await env.DB.prepare("SELECT count(*) AS n FROM acme_server_orders WHERE directory_id = ?").bind(setup.dir.id).first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });

  it("refuses a CSR with extra names, with the account key or asking for CA:true (badCSR) and issues nothing; the order stays ready", async () => {
    const order = await send(`${base}/new-order`, keys, { identifiers: [{ type: "dns", value: "f.svc.internal.example" }] }, { kid: accountUrl });
    expect(order.status, order.text).toBe(201);
    const finalize = order.body.finalize as string;
    const before = await issuedCount();
    const extra = bytesToBase64Url(new Uint8Array(await createCsr(await ecKeys(), ["f.svc.internal.example", "g.svc.internal.example"])));
    expectProblem(await send(finalize, keys, { csr: extra }, { kid: accountUrl }), "badCSR");
    const accountKeyCsr = bytesToBase64Url(new Uint8Array(await createCsr(keys, ["f.svc.internal.example"])));
    expectProblem(await send(finalize, keys, { csr: accountKeyCsr }, { kid: accountUrl }), "badCSR");
    const caKeys = await ecKeys();
    const caCsr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: "CN=f.svc.internal.example",
      keys: caKeys,
      signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "f.svc.internal.example" }]), new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    expectProblem(await send(finalize, keys, { csr: bytesToBase64Url(new Uint8Array(caCsr.rawData)) }, { kid: accountUrl }), "badCSR");
    expectProblem(await send(finalize, keys, { csr: "!!!" }, { kid: accountUrl }), "malformed");
    expect(await issuedCount()).toBe(before);
    const still = await send(order.headers.get("Location")!, keys, null, { kid: accountUrl });
    expect(still.body.status).toBe("ready");
    const good = bytesToBase64Url(new Uint8Array(await createCsr(await ecKeys(), ["f.svc.internal.example"])));
    const done = await send(finalize, keys, { csr: good }, { kid: accountUrl });
    expect(done.status, done.text).toBe(200);
    expect(done.body.status).toBe("valid");
    expect(done.headers.get("Location")).toBe(order.headers.get("Location"));
    expectProblem(await send(finalize, keys, { csr: good }, { kid: accountUrl }), "orderNotReady", 403);
    expect(await issuedCount()).toBe(before + 1);
  });

  it("answers alreadyReplaced for a second order replacing the same certificate (RFC 9773 §5)", async () => {
    const replaces = "AQID.BAUG";
    const first = await send(`${base}/new-order`, keys, { identifiers: [{ type: "dns", value: "rep.svc.internal.example" }], replaces }, { kid: accountUrl });
    expect(first.status, first.text).toBe(201);
    expectProblem(await send(`${base}/new-order`, keys, { identifiers: [{ type: "dns", value: "rep.svc.internal.example" }], replaces }, { kid: accountUrl }), "alreadyReplaced", 409);
  });

  it("does not show one account's order to another (unauthorized)", async () => {
    const order = await send(`${base}/new-order`, keys, { identifiers: [{ type: "dns", value: "o.svc.internal.example" }] }, { kid: accountUrl });
    const key = await (await call("POST", `/api/v1/acme-directories/${setup.dir.id}/eab-keys`, { token: tenant.token })).body;
    const other = await generateAccountKey();
    const made = await send(`${base}/new-account`, other, { externalAccountBinding: await eabFor(key.keyId, key.hmacKey, other) });
    expectProblem(await send(order.headers.get("Location")!, other, null, { kid: made.headers.get("Location")! }), "unauthorized", 403);
  });

  it("answers an account's requests with the 404 once its directory is deleted, well-formed or not, and stores nothing", async () => {
    const own = await newDirectory(tenant);
    const ownBase = own.directoryUrl.replace(/\/directory$/, "");
    const signer = await generateAccountKey();
    const account = await send(`${ownBase}/new-account`, signer, {
      externalAccountBinding: await signExternalAccountBinding({ kid: own.eab.keyId, hmacKeyB64url: own.eab.hmacKey }, await publicJwk(signer.publicKey), `${ownBase}/new-account`),
    });
    expect(account.status, account.text).toBe(201);
    const kid = account.headers.get("Location")!;
    // Served once in use, so this isolate keeps the directory's row for the account's next requests.
    const first = await send(`${ownBase}/new-order`, signer, { identifiers: [{ type: "dns", value: "kept.svc.internal.example" }] }, { kid });
    expect(first.status, first.text).toBe(201);
    expect((await call("DELETE", `/api/v1/acme-directories/${own.dir.id}`, { token: tenant.token })).status).toBe(204);
    const orders = async () => (await env.DB.prepare("SELECT count(*) AS n FROM acme_server_orders WHERE directory_id = ?").bind(own.dir.id).first<{ n: number }>())!.n;
    const before = await orders();
    const nonce = await freshNonce(own.directoryUrl);
    for (const res of [
      await send(`${ownBase}/new-order`, signer, { identifiers: [{ type: "dns", value: "after.svc.internal.example" }] }, { kid, nonce }),
      await send(first.headers.get("Location")!, signer, null, { kid }),
      // Refused by the JWS checks before the account is read: still the directory's 404.
      await send(`${ownBase}/new-order`, signer, null, { kid, body: "{}" }),
      await send(`${ownBase}/no-such-resource`, signer, null, { kid }),
    ]) {
      expectProblem(res, "malformed", 404);
      expect(res.body.detail).toContain("no ACME directory");
    }
    expect(await orders()).toBe(before);
  });

  it("answered no request with a 5xx", () => {
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
  });
});
