/**
 * A `challenge` directory: orders start pending, a challenge POST starts processing (Link rel=up, Retry-After), and
 * validation (http-01 fetched from the address the name resolves to over DoH, dns-01 read over DoH) makes the
 * authorization valid and the order ready, or invalid on a wrong answer. The network is a fake given as `fetch`.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { generateAccountKey, type PublicJwk } from "../../../src/acme";
import { dns01TxtValue, keyAuthorization } from "../../../src/acme/jws";
import { publicJwk } from "../../../src/acme/account-key";
import { database } from "../../../src/db/client";
import type { HttpGetAt } from "../../../src/outbound/http-get-at";
import { runValidation } from "../../../src/services/acme-server/authorizations";
import { authorizationById, challengeById } from "../../../src/store/acme-server-orders";
import { createCsr } from "../../../src/pki/csr";
import { newTenant, type Tenant } from "../../support/api";
import { newClient, newDirectory, post } from "./server-support";

let tenant: Tenant;
let setup: Awaited<ReturnType<typeof newDirectory>>;
let keys: CryptoKeyPair;
let jwk: PublicJwk;
let client: Awaited<ReturnType<typeof newClient>>;

beforeAll(async () => {
  tenant = await newTenant();
  setup = await newDirectory(tenant, { authorization: "challenge" });
  keys = await generateAccountKey();
  jwk = await publicJwk(keys.publicKey);
  client = await newClient(setup.directoryUrl, keys);
  await client.createAccount({ termsOfServiceAgreed: true, externalAccountBinding: { kid: setup.eab.keyId, hmacKeyB64url: setup.eab.hmacKey } });
});

/** A network of one resolver and one web server: `answer` is what the server says for each token. */
function network(options: { address: string; answer: (token: string) => Promise<string>; txt?: string[] }) {
  const seen: string[] = [];
  const fake: typeof fetch = async (input) => {
    const url = new URL(String(input));
    seen.push(url.href);
    if (url.pathname === "/dns-query") {
      const type = url.searchParams.get("type");
      if (type === "TXT") return Response.json({ Status: 0, Answer: (options.txt ?? []).map((data) => ({ type: 16, data: `"${data}"` })) });
      return Response.json({ Status: 0, Answer: type === "A" ? [{ type: 1, data: options.address }] : [] });
    }
    return new Response("no such host", { status: 502 });
  };
  /** The web server at `address`: what it was asked (as a URL) and the Host header each request carried. */
  const hosts: string[] = [];
  const httpGet: HttpGetAt = async ({ address, port, host, path }) => {
    seen.push(`http://${address}:${port}${path}`);
    hosts.push(host);
    return { status: 200, body: await options.answer(path.split("/").pop()!) };
  };
  return { fake, httpGet, seen, hosts };
}

async function pendingOrder(name: string) {
  const order = await client.newOrder({ identifiers: [name] });
  expect(order.status).toBe("pending");
  const authz = await client.getAuthorization(order.authorizations[0]!);
  expect(authz.status).toBe("pending");
  return { order, authz };
}

async function processing(challengeUrl: string) {
  const id = challengeUrl.split("/").pop()!;
  await env.DB.prepare("UPDATE acme_server_challenges SET status = 'processing' WHERE id = ?").bind(id).run();
  const db = database(env.DB);
  const challenge = (await challengeById(db, id))!;
  return { db, challenge, authorization: (await authorizationById(db, challenge.authorizationId))! };
}

describe("challenge validation", () => {
  it("answers a challenge POST with processing, Link rel=up and Retry-After", async () => {
    const { authz } = await pendingOrder("post.svc.internal.example");
    const http = authz.challenges.find((ch) => ch.type === "http-01")!;
    const res = await post(http.url, keys, {}, { kid: client.accountUrl! });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ type: "http-01", status: "processing", token: http.token });
    expect(res.headers.get("Link")).toContain(`<${client.accountUrl!.replace(/acct\/.*/, "")}authz/`);
    expect(res.headers.get("Link")).toContain('rel="up"');
    expect(res.headers.get("Retry-After")).toBe("2");
  });

  it("validates http-01 from the resolved address and the test port: the authorization valid, the order ready, then issued", async () => {
    const { order, authz } = await pendingOrder("web.svc.internal.example");
    const { db, challenge, authorization } = await processing(authz.challenges.find((ch) => ch.type === "http-01")!.url);
    const net = network({ address: "127.0.0.1", answer: (token) => keyAuthorization(token, jwk) });
    await runValidation(db, authorization, challenge, jwk, { resolverUrl: "https://doh.test/dns-query", http01Port: 5002, fetch: net.fake, httpGet: net.httpGet });
    expect(net.seen).toContain(`http://127.0.0.1:5002/.well-known/acme-challenge/${challenge.token}`);
    // Sent to the resolved address, asking for the name (RFC 8555 §8.3).
    expect(net.hosts).toEqual(["web.svc.internal.example"]);
    expect((await client.getAuthorization(order.authorizations[0]!)).status).toBe("valid");
    const ready = await client.getOrder(order.url);
    expect(ready.status).toBe("ready");
    const keysForCert = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    expect((await client.finalizeOrder(ready, await createCsr(keysForCert, ["web.svc.internal.example"]))).status).toBe("valid");
  });

  it("validates dns-01 from the TXT record read over DoH", async () => {
    const { order, authz } = await pendingOrder("txt.svc.internal.example");
    const dns = authz.challenges.find((ch) => ch.type === "dns-01")!;
    const { db, challenge, authorization } = await processing(dns.url);
    const net = network({ address: "127.0.0.1", answer: async () => "", txt: [await dns01TxtValue(await keyAuthorization(dns.token!, jwk))] });
    await runValidation(db, authorization, challenge, jwk, { resolverUrl: "https://doh.test/dns-query", fetch: net.fake });
    expect(net.seen.some((url) => url.includes("name=_acme-challenge.txt.svc.internal.example"))).toBe(true);
    expect((await client.getOrder(order.url)).status).toBe("ready");
  });

  it("makes the challenge, authorization and order invalid on a wrong answer, and refuses private addresses without the test port", async () => {
    const wrong = await pendingOrder("bad.svc.internal.example");
    const one = await processing(wrong.authz.challenges.find((ch) => ch.type === "http-01")!.url);
    const wrongNet = network({ address: "127.0.0.1", answer: async () => "not it" });
    await runValidation(one.db, one.authorization, one.challenge, jwk, { resolverUrl: "https://doh.test/dns-query", http01Port: 5002, fetch: wrongNet.fake, httpGet: wrongNet.httpGet });
    const authz = await client.getAuthorization(wrong.order.authorizations[0]!);
    expect(authz.status).toBe("invalid");
    expect(authz.challenges.find((ch) => ch.type === "http-01")!.error).toMatchObject({ type: "urn:ietf:params:acme:error:incorrectResponse" });
    expect((await client.getOrder(wrong.order.url)).status).toBe("invalid");

    const privateAddress = await pendingOrder("lan.svc.internal.example");
    const two = await processing(privateAddress.authz.challenges.find((ch) => ch.type === "http-01")!.url);
    const net = network({ address: "10.0.0.5", answer: (token) => keyAuthorization(token, jwk) });
    await runValidation(two.db, two.authorization, two.challenge, jwk, { resolverUrl: "https://doh.test/dns-query", fetch: net.fake, httpGet: net.httpGet });
    expect(net.seen.some((url) => url.startsWith("http://10.0.0.5"))).toBe(false);
    expect((await client.getAuthorization(privateAddress.order.authorizations[0]!)).status).toBe("invalid");
  });
});
