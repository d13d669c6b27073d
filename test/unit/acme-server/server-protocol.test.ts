/**
 * The ACME server's protocol corners: newOrder notBefore/notAfter honoured by a private issuer (RFC 8555 §7.4) and
 * refused by a relay one, ip identifiers (RFC 8738) listed in allowedNames, and the operations counter and certificate
 * gauges of `GET /metrics`. Each bad request is its specific ACME problem, nothing issued, no 5xx.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { generateAccountKey, type PublicJwk } from "../../../src/acme";
import { signExternalAccountBinding } from "../../../src/acme/eab";
import { keyAuthorization } from "../../../src/acme/jws";
import { publicJwk } from "../../../src/acme/account-key";
import { bytesToBase64Url } from "../../../src/crypto/encoding";
import { database } from "../../../src/db/client";
import type { HttpGetAt } from "../../../src/outbound/http-get-at";
import { runValidation } from "../../../src/services/acme-server/authorizations";
import { createCsr } from "../../../src/pki/csr";
import { x509 } from "../../../src/pki/x509-setup";
import { authorizationById, challengeById } from "../../../src/store/acme-server-orders";
import { call, newTenant, type Tenant } from "../../support/api";
import { ecKeys, expectProblem, newDirectory, post } from "./server-support";

let tenant: Tenant;
let setup: Awaited<ReturnType<typeof newDirectory>>;
let base: string;
let keys: CryptoKeyPair;
let accountUrl: string;
const statuses: number[] = [];
const HOUR = 3_600_000;

async function send(url: string, signer: CryptoKeyPair, payload: unknown, options: Parameters<typeof post>[3] = {}) {
  const res = await post(url, signer, payload, options);
  statuses.push(res.status);
  return res;
}

const count = async (sql: string, ...binds: unknown[]) => (await env.DB.prepare(sql).bind(...binds).first<{ n: number }>())!.n;
const orderCount = (directoryId: string) => count("SELECT count(*) AS n FROM acme_server_orders WHERE directory_id = ?", directoryId);
const issuedCount = () => count("SELECT count(*) AS n FROM private_certificates WHERE ca_id = ?", setup.ca.id);

/** An account of `directoryUrl` made with a fresh EAB key of directory `dirId`. */
async function account(dirId: string, directoryBase: string) {
  const eab = (await call("POST", `/api/v1/acme-directories/${dirId}/eab-keys`, { token: tenant.token })).body;
  const signer = await generateAccountKey();
  const binding = await signExternalAccountBinding({ kid: eab.keyId, hmacKeyB64url: eab.hmacKey }, await publicJwk(signer.publicKey), `${directoryBase}/new-account`);
  const res = await send(`${directoryBase}/new-account`, signer, { termsOfServiceAgreed: true, externalAccountBinding: binding });
  expect(res.status, res.text).toBe(201);
  return { signer, url: res.headers.get("Location")! };
}

/** A CSR naming these IP addresses (iPAddress SANs) and DNS names, and `cn` as its CN if given. */
async function csrFor(ips: string[], dns: string[] = [], cn?: string) {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    ...(cn !== undefined ? { name: `CN=${cn}` } : {}),
    keys: await ecKeys(),
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: [new x509.SubjectAlternativeNameExtension([...ips.map((value) => ({ type: "ip" as const, value })), ...dns.map((value) => ({ type: "dns" as const, value }))])],
  });
  return bytesToBase64Url(new Uint8Array(csr.rawData));
}

/** The leaf of a downloaded chain. */
async function leafOf(certificateUrl: string, signer = keys, kid = accountUrl) {
  const res = await send(certificateUrl, signer, undefined, { kid });
  expect(res.status, res.text).toBe(200);
  return new x509.X509Certificate((res.text as string).split(/(?<=-----END CERTIFICATE-----\n)/)[0]!);
}

/** `ms` as RFC 3339 text with a +02:00 offset (the same instant). */
const withOffset = (ms: number) => `${new Date(ms + 2 * HOUR).toISOString().slice(0, 19)}+02:00`;
const seconds = (ms: number) => Math.floor(ms / 1000) * 1000;

beforeAll(async () => {
  tenant = await newTenant();
  setup = await newDirectory(tenant, { allowedNames: ["*.svc.internal.example", "10.0.0.5", "2001:DB8:0:0::1"] });
  base = setup.directoryUrl.replace(/\/directory$/, "");
  ({ signer: keys, url: accountUrl } = await account(setup.dir.id, base));
});

describe("notBefore and notAfter (RFC 8555 §7.4)", () => {
  let issuedCertificateUrl: string;

  it("honours them for a private issuer: echoed on the order, and the certificate carries them", async () => {
    const notBefore = seconds(Date.now() + HOUR);
    const notAfter = notBefore + 48 * HOUR;
    const order = await send(`${base}/new-order`, keys, { identifiers: [{ type: "dns", value: "window.svc.internal.example" }], notBefore: new Date(notBefore).toISOString(), notAfter: withOffset(notAfter) }, { kid: accountUrl });
    expect(order.status, order.text).toBe(201);
    expect(Date.parse(order.body.notBefore)).toBe(notBefore);
    expect(Date.parse(order.body.notAfter)).toBe(notAfter);
    const read = await send(order.headers.get("Location")!, keys, undefined, { kid: accountUrl });
    expect(Date.parse(read.body.notAfter)).toBe(notAfter);
    const csr = bytesToBase64Url(new Uint8Array(await createCsr(await ecKeys(), ["window.svc.internal.example"])));
    const done = await send(order.body.finalize, keys, { csr }, { kid: accountUrl });
    expect(done.status, done.text).toBe(200);
    expect(done.body.status).toBe("valid");
    issuedCertificateUrl = done.body.certificate;
    const leaf = await leafOf(issuedCertificateUrl);
    expect(leaf.notBefore.getTime()).toBe(notBefore);
    expect(leaf.notAfter.getTime()).toBe(notAfter);
  });

  it("takes notAfter alone (the certificate starts now) and leaves a plain order to the directory's validityHours", async () => {
    const notAfter = seconds(Date.now() + 30 * HOUR);
    const order = await send(`${base}/new-order`, keys, { identifiers: [{ type: "dns", value: "end.svc.internal.example" }], notAfter: new Date(notAfter).toISOString() }, { kid: accountUrl });
    expect(order.status, order.text).toBe(201);
    expect(order.body.notBefore).toBeUndefined();
    const csr = bytesToBase64Url(new Uint8Array(await createCsr(await ecKeys(), ["end.svc.internal.example"])));
    const done = await send(order.body.finalize, keys, { csr }, { kid: accountUrl });
    const leaf = await leafOf(done.body.certificate);
    expect(leaf.notAfter.getTime()).toBe(notAfter);
    expect(Math.abs(leaf.notBefore.getTime() - Date.now())).toBeLessThan(5 * 60_000);

    const plain = await send(`${base}/new-order`, keys, { identifiers: [{ type: "dns", value: "plain.svc.internal.example" }] }, { kid: accountUrl });
    expect(plain.body.notBefore).toBeUndefined();
    expect(plain.body.notAfter).toBeUndefined();
  });

  it("refuses a malformed or impossible window with malformed, storing no order", async () => {
    const now = Date.now();
    const validityHours = setup.dir.issuer.validityHours as number;
    const iso = (ms: number) => new Date(ms).toISOString();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ notBefore: "2030-01-01" }, /RFC 3339/],
      [{ notAfter: "2030-02-30T00:00:00Z" }, /RFC 3339/],
      [{ notAfter: "2030-01-01 00:00:00Z" }, /RFC 3339/],
      [{ notAfter: 1893456000 }, /RFC 3339/],
      [{ notBefore: iso(now + HOUR), notAfter: iso(now + HOUR) }, /later than notBefore/],
      [{ notBefore: iso(now + 2 * HOUR), notAfter: iso(now + HOUR) }, /later than notBefore/],
      [{ notAfter: iso(now - HOUR) }, /notAfter is in the past/],
      [{ notBefore: iso(now - 24 * HOUR) }, /notBefore is in the past/],
      [{ notAfter: iso(now + (validityHours + 1) * HOUR) }, /validityHours/],
      [{ notBefore: iso(now + HOUR), notAfter: iso(now + (validityHours + 2) * HOUR) }, /validityHours/],
      [{ notBefore: iso(now + (validityHours + 1) * HOUR) }, /validityHours/],
    ];
    const before = await orderCount(setup.dir.id);
    for (const [window, detail] of cases) {
      expectProblem(await send(`${base}/new-order`, keys, { identifiers: [{ type: "dns", value: "bad-window.svc.internal.example" }], ...window }, { kid: accountUrl }), "malformed", 400, detail);
    }
    expect(await orderCount(setup.dir.id)).toBe(before);
  });

  it("refuses to finalize an order whose notAfter has passed meanwhile (malformed), issuing nothing", async () => {
    const order = await send(`${base}/new-order`, keys, { identifiers: [{ type: "dns", value: "late.svc.internal.example" }], notAfter: new Date(Date.now() + HOUR).toISOString() }, { kid: accountUrl });
    expect(order.status, order.text).toBe(201);
    await env.DB.prepare("UPDATE acme_server_orders SET not_after = ? WHERE id = ?").bind(Date.now() - 1000, order.headers.get("Location")!.split("/").pop()).run();
    const before = await issuedCount();
    const csr = bytesToBase64Url(new Uint8Array(await createCsr(await ecKeys(), ["late.svc.internal.example"])));
    expectProblem(await send(order.body.finalize, keys, { csr }, { kid: accountUrl }), "malformed", 400, /notAfter has passed/);
    expect(await issuedCount()).toBe(before);
  });

  it("refuses them with malformed for a relay directory, whose public CA sets the validity", async () => {
    const relay = await newDirectory(tenant);
    const relayBase = relay.directoryUrl.replace(/\/directory$/, "");
    const { signer, url } = await account(relay.dir.id, relayBase);
    // Relay issuance is built elsewhere; the refusal depends only on the issuer's type.
    await env.DB.prepare("UPDATE acme_directories SET issuer = ? WHERE id = ?").bind(JSON.stringify({ type: "relay", challengeType: "http-01" }), relay.dir.id).run();
    const res = await send(`${relayBase}/new-order`, signer, { identifiers: [{ type: "dns", value: "r.svc.internal.example" }], notAfter: new Date(Date.now() + 24 * HOUR).toISOString() }, { kid: url });
    expectProblem(res, "malformed", 400, /public CA.*sets the validity/);
    expect(await orderCount(relay.dir.id)).toBe(0);
  });
});

describe("ip identifiers (RFC 8738)", () => {
  it("keeps IP literals of allowedNames in canonical form and refuses malformed ones with a 400 naming the entry", async () => {
    expect(setup.dir.allowedNames).toEqual(["*.svc.internal.example", "10.0.0.5", "2001:db8::1"]);
    for (const bad of ["::ffff:10.0.0.5", "10.0.0.256", "10.1"]) {
      const res = await call("POST", "/api/v1/acme-directories", { token: tenant.token, json: { name: `bad-${crypto.randomUUID().slice(0, 8)}`, issuer: { type: "private", caId: setup.ca.id, profile: "server" }, authorization: "pre-approved", allowedNames: ["ok.example", bad] } });
      expect(res.status, res.text).toBe(400);
      expect(res.text).toContain("allowedNames[1]");
    }
  });

  it("issues for ip identifiers allowedNames lists: the CSR's iPAddress SANs must be exactly the order's", async () => {
    const order = await send(`${base}/new-order`, keys, { identifiers: [{ type: "ip", value: "10.0.0.5" }, { type: "ip", value: "2001:0DB8::0:1" }] }, { kid: accountUrl });
    expect(order.status, order.text).toBe(201);
    expect(order.body.status).toBe("ready");
    expect(order.body.identifiers).toEqual([{ type: "ip", value: "10.0.0.5" }, { type: "ip", value: "2001:db8::1" }]);
    const authz = await send(order.body.authorizations[0], keys, undefined, { kid: accountUrl });
    expect(authz.body.identifier).toEqual({ type: "ip", value: "10.0.0.5" });
    expect(authz.body.challenges.map((ch: { type: string }) => ch.type)).toEqual(["http-01"]);

    const before = await issuedCount();
    expectProblem(await send(order.body.finalize, keys, { csr: await csrFor(["10.0.0.5", "2001:db8::1", "10.0.0.6"]) }, { kid: accountUrl }), "badCSR", 400, /not in the order: 10\.0\.0\.6/);
    expectProblem(await send(order.body.finalize, keys, { csr: await csrFor(["10.0.0.5"]) }, { kid: accountUrl }), "badCSR", 400, /missing: 2001:db8::1/);
    expectProblem(await send(order.body.finalize, keys, { csr: await csrFor(["10.0.0.5"], ["2001.db8.example"]) }, { kid: accountUrl }), "badCSR");
    // The CN counts as a name (RFC 8555 §7.4): an address outside the order is refused.
    expectProblem(await send(order.body.finalize, keys, { csr: await csrFor(["10.0.0.5", "2001:db8::1"], [], "10.0.0.7") }, { kid: accountUrl }), "badCSR", 400, /10\.0\.0\.7/);
    expect(await issuedCount()).toBe(before);

    // An IPv6 CN counts in canonical form, as the identifiers are kept.
    const done = await send(order.body.finalize, keys, { csr: await csrFor(["2001:db8:0::1", "10.0.0.5"], [], "2001:0DB8::0:1") }, { kid: accountUrl });
    expect(done.status, done.text).toBe(200);
    expect(done.body.status).toBe("valid");
    const san = (await leafOf(done.body.certificate)).getExtension(x509.SubjectAlternativeNameExtension)!;
    expect(san.names.items.map((name) => `${name.type}:${name.value}`).sort()).toEqual(["ip:10.0.0.5", "ip:2001:db8::1"]);
  });

  it("rejects an IP address allowedNames does not list (rejectedIdentifier) and a malformed one (malformed), storing no order", async () => {
    const before = await orderCount(setup.dir.id);
    const res = await send(`${base}/new-order`, keys, { identifiers: [{ type: "ip", value: "10.0.0.5" }, { type: "ip", value: "10.0.0.6" }] }, { kid: accountUrl });
    expectProblem(res, "rejectedIdentifier", 400, /10\.0\.0\.6/);
    expect(res.body.subproblems).toEqual([expect.objectContaining({ identifier: { type: "ip", value: "10.0.0.6" } })]);
    for (const value of ["::ffff:10.0.0.5", "10.0.0", "10.0.0.5/32", "ten"]) {
      expectProblem(await send(`${base}/new-order`, keys, { identifiers: [{ type: "ip", value }] }, { kid: accountUrl }), "malformed", 400, /RFC 8738/);
    }
    expect(await orderCount(setup.dir.id)).toBe(before);
  });

  it("validates an ip identifier of a challenge directory with http-01 at the address itself, the address as Host", async () => {
    const challengeDir = await newDirectory(tenant, { authorization: "challenge", allowedNames: ["198.51.100.7"] });
    const challengeBase = challengeDir.directoryUrl.replace(/\/directory$/, "");
    const { signer, url } = await account(challengeDir.dir.id, challengeBase);
    const order = await send(`${challengeBase}/new-order`, signer, { identifiers: [{ type: "ip", value: "198.51.100.7" }] }, { kid: url });
    expect(order.body.status).toBe("pending");
    const authz = await send(order.body.authorizations[0], signer, undefined, { kid: url });
    expect(authz.body.challenges.map((ch: { type: string }) => ch.type)).toEqual(["http-01"]);
    const challengeId = (authz.body.challenges[0].url as string).split("/").pop()!;
    await env.DB.prepare("UPDATE acme_server_challenges SET status = 'processing' WHERE id = ?").bind(challengeId).run();
    const db = database(env.DB);
    const challenge = (await challengeById(db, challengeId))!;
    const jwk: PublicJwk = await publicJwk(signer.publicKey);
    const asked: string[] = [];
    const httpGet: HttpGetAt = async ({ address, port, host, path }) => {
      asked.push(`${address}:${port} Host=${host} ${path}`);
      return { status: 200, body: await keyAuthorization(challenge.token, jwk) };
    };
    // No DNS is consulted for an IP identifier: a resolver that fails proves it.
    const noDns: typeof fetch = async () => new Response("no", { status: 500 });
    await runValidation(db, (await authorizationById(db, challenge.authorizationId))!, challenge, jwk, { resolverUrl: "https://doh.test/dns-query", http01Port: 5002, fetch: noDns, httpGet });
    expect(asked).toEqual([`198.51.100.7:5002 Host=198.51.100.7 /.well-known/acme-challenge/${challenge.token}`]);
    expect((await send(order.headers.get("Location")!, signer, undefined, { kid: url })).body.status).toBe("ready");
  });
});

describe("metrics", () => {
  it("counts newOrder, finalize and revokeCert by directory and outcome, and the issued certificates are in the certificate gauges", async () => {
    const order = await send(`${base}/new-order`, keys, { identifiers: [{ type: "dns", value: "metered.svc.internal.example" }] }, { kid: accountUrl });
    const csr = bytesToBase64Url(new Uint8Array(await createCsr(await ecKeys(), ["metered.svc.internal.example"])));
    const done = await send(order.body.finalize, keys, { csr }, { kid: accountUrl });
    const leaf = await leafOf(done.body.certificate);
    expect((await send(`${base}/revoke-cert`, keys, { certificate: bytesToBase64Url(new Uint8Array(leaf.rawData)) }, { kid: accountUrl })).status).toBe(200);
    const certificateId = (await env.DB.prepare("SELECT certificate_id AS id FROM acme_server_orders WHERE id = ?").bind(order.headers.get("Location")!.split("/").pop()).first<{ id: string }>())!.id;

    const sample = (text: string, labels: string) => {
      const line = text.split("\n").find((l) => l.startsWith(`certdesk_acme_server_operations_total{`) && l.includes(labels));
      return line === undefined ? 0 : Number(line.split(" ").pop());
    };
    const dir = `directory="${setup.dir.id}"`;
    // The counts are written after each answer (waitUntil): read until they are in.
    let text = "";
    for (let i = 0; i < 50; i++) {
      text = (await call("GET", "/metrics", { token: tenant.token })).text;
      if (sample(text, `operation="revokeCert",outcome="revoked"`) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(sample(text, `${dir},operation="newOrder",outcome="created"`)).toBeGreaterThanOrEqual(5);
    expect(sample(text, `${dir},operation="newOrder",outcome="malformed"`)).toBeGreaterThanOrEqual(11);
    expect(sample(text, `${dir},operation="newOrder",outcome="rejectedIdentifier"`)).toBeGreaterThanOrEqual(1);
    expect(sample(text, `${dir},operation="finalize",outcome="issued"`)).toBeGreaterThanOrEqual(3);
    expect(sample(text, `${dir},operation="finalize",outcome="badCSR"`)).toBeGreaterThanOrEqual(3);
    expect(sample(text, `${dir},operation="revokeCert",outcome="revoked"`)).toBe(1);
    expect(text).toMatch(/# TYPE certdesk_acme_server_operations_total counter/);
    // The certificate the directory issued, as every private certificate: its expiry and (revoked) readiness.
    const gauge = text.split("\n").find((l) => l.startsWith("certdesk_certificate_expiration_timestamp_seconds{") && l.includes(`id="${certificateId}"`));
    expect(gauge).toContain(`issuer="private:`);
    expect(Number(gauge!.split(" ").pop())).toBe(Math.floor(leaf.notAfter.getTime() / 1000));
    expect(text.split("\n").find((l) => l.startsWith("certdesk_certificate_ready_status{") && l.includes(`id="${certificateId}"`) && l.includes('condition="False"'))).toMatch(/ 1$/);
  });

  it("answered no request with a 5xx", () => {
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
  });
});
