/**
 * A `relay` directory's rules, against the unit tests' unreachable public CA: created only with a way to prove control
 * and no patterns; orders only for names the team holds (else `rejectedIdentifier`, nothing stored); a finalize the
 * public CA cannot serve leaves the order `invalid` with an ACME problem (never a 5xx), stores no certificate and no key.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { generateAccountKey } from "../../../src/acme";
import { bytesToBase64Url } from "../../../src/crypto/encoding";
import { createCsr } from "../../../src/pki/csr";
import { call, newProject, newTenant, type Tenant } from "../../support/api";
import { uniqueName } from "../routes/private-ca-support";
import { newClient, post, registered } from "./server-support";

let tenant: Tenant;
let held: string;

const ecKeys = () => crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]) as Promise<CryptoKeyPair>;

async function relayDirectory(issuer: Record<string, unknown> = { type: "relay", challengeType: "http-01" }) {
  const dir = await call("POST", "/api/v1/acme-directories", { token: tenant.token, json: { name: uniqueName("relay"), issuer, authorization: "pre-approved" } });
  expect(dir.status, dir.text).toBe(201);
  const eab = await call("POST", `/api/v1/acme-directories/${dir.body.id}/eab-keys`, { token: tenant.token });
  expect(eab.status, eab.text).toBe(201);
  return { dir: dir.body, directoryUrl: dir.body.directoryUrl as string, eab: eab.body as { keyId: string; hmacKey: string } };
}

const ordersOf = async (directoryId: string) => (await env.DB.prepare("SELECT count(*) AS n FROM acme_server_orders WHERE directory_id = ?").bind(directoryId).first<{ n: number }>())!.n;

beforeAll(async () => {
  tenant = await newTenant();
  // DOMAIN_VERIFICATION=off in unit tests: the project's domain is a name the team holds.
  held = (await newProject(tenant)).domain!;
});

describe("creating a relay directory", () => {
  it.each([
    ["allowedNames (a relay issues only for held names)", { issuer: { type: "relay", challengeType: "http-01" }, allowedNames: ["*.svc.example"] }, "allowedNames"],
    ["dns-01 with no way to write the record", { issuer: { type: "relay", challengeType: "dns-01" } }, "dnsConnectionId or dnsDelegation"],
    ["dns-01 through a connection of no one", { issuer: { type: "relay", challengeType: "dns-01", dnsConnectionId: "dnsc_nope" } }, "issuer.dnsConnectionId"],
    ["delegation where the deployment has none", { issuer: { type: "relay", challengeType: "dns-01", dnsDelegation: true } }, "issuer.dnsDelegation"],
    ["http-01 with a DNS connection", { issuer: { type: "relay", challengeType: "http-01", dnsDelegation: true } }, "belong to a dns-01 relay"],
  ])("refuses %s with a 400, storing nothing", async (_what, extra, words) => {
    const name = uniqueName("relay");
    const res = await call("POST", "/api/v1/acme-directories", { token: tenant.token, json: { name, authorization: "pre-approved", ...extra } });
    expect(res.status, res.text).toBe(400);
    expect(res.text).toContain(words);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM acme_directories WHERE name = ?").bind(name).first<{ n: number }>();
    expect(n!.n).toBe(0);
  });

  it("stores an http-01 relay and serves its directory without profiles", async () => {
    const { dir, directoryUrl } = await relayDirectory();
    expect(dir).toMatchObject({ issuer: { type: "relay", challengeType: "http-01" }, authorization: "pre-approved", allowedNames: [] });
    const document = (await (await call("GET", new URL(directoryUrl).pathname)).body) as { meta: Record<string, unknown> };
    expect(document.meta).toEqual({ externalAccountRequired: true });
  });
});

describe("orders of a relay directory", () => {
  it("rejects a name the team does not hold, and a wildcard over http-01 (rejectedIdentifier; no order stored)", async () => {
    const { dir, directoryUrl, eab } = await relayDirectory();
    const { client } = await registered(directoryUrl, eab);
    for (const names of [["not-ours.example.org"], [held, "other.example.org"], [`*.${held}`]]) {
      const refused = await client.newOrder({ identifiers: names }).catch((error: unknown) => error as { type?: string; status?: number; detail?: string });
      expect(refused).toMatchObject({ type: "urn:ietf:params:acme:error:rejectedIdentifier", status: 400 });
    }
    expect(await ordersOf(dir.id)).toBe(0);
  });

  it("a public CA that cannot be reached: finalize answers processing with Retry-After (no 5xx), then the order turns invalid with a problem; no certificate, no key", async () => {
    const { dir, directoryUrl, eab } = await relayDirectory();
    const keys = await generateAccountKey();
    const client = await newClient(directoryUrl, keys);
    const { accountUrl } = await client.createAccount({ termsOfServiceAgreed: true, externalAccountBinding: { kid: eab.keyId, hmacKeyB64url: eab.hmacKey } });
    const order = await client.newOrder({ identifiers: [held] });
    expect(order.status).toBe("ready");
    const csr = bytesToBase64Url(await createCsr(await ecKeys(), [held]));
    // The unreachable CA costs the job its whole backoff (RETRY_POLICY.transientBackoffMs, about 8 s): longer than finalize waits.
    const answer = await post(order.finalize, keys, { csr }, { kid: accountUrl });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.status).toBe("processing");
    expect(answer.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(answer.headers.get("Location")).toBe(order.url);
    const again = await post(order.finalize, keys, { csr }, { kid: accountUrl });
    expect(again.body.type).toBe("urn:ietf:params:acme:error:orderNotReady");
    const finalized = await client.getOrder(order.url);
    let current = finalized;
    for (let i = 0; i < 120 && current.status === "processing"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      current = await client.getOrder(order.url);
    }
    expect(current.status).toBe("invalid");
    expect(current.error).toMatchObject({ type: "urn:ietf:params:acme:error:serverInternal", detail: expect.stringContaining("public CA") });
    expect(current.certificate).toBeUndefined();
    const stored = await env.DB.prepare("SELECT certificate_id AS id, status FROM acme_server_orders WHERE directory_id = ?").bind(dir.id).first<{ id: string | null; status: string }>();
    expect(stored).toEqual({ id: null, status: "invalid" });
    const certificates = await env.DB.prepare("SELECT count(*) AS n FROM certificates WHERE team_id = ?").bind(tenant.teamId).first<{ n: number }>();
    expect(certificates!.n).toBe(0);
  }, 90_000);
});
