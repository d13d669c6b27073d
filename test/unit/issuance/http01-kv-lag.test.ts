/**
 * Issuance over HTTP-01 while KV lags: the CA validates from several network perspectives (as Let's Encrypt's
 * multi-perspective validation does), each reaching the Worker at a location of its own, where a KV write can stay
 * invisible for 60 s or more. The route under test is the whole app; only KV's replication is simulated.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { generateAccountKey, publicJwk } from "../../../src/acme/account-key";
import { AcmeClient } from "../../../src/acme/client";
import { createApp } from "../../../src/app";
import { depsFrom } from "../../../src/deps";
import { http01Key, http01Solver } from "../../../src/issuance/http01-solver";
import { issueCertificate } from "../../../src/issuance/issue-certificate";
import { unexpiredAcmeChallenge } from "../../../src/store/acme-challenges";
import { makeChain } from "../../support/pki-fixtures";
import { CA, FakeCa, fakeClock, problem } from "../acme/fake-ca";

const app = createApp();
const ACCOUNT = `${CA}/acct/1`;
const ORDER = `${CA}/order/1`;
const AUTHZ = `${CA}/authz/1`;
const CHALLENGE = `${CA}/chall/1`;
const CERTIFICATE = `${CA}/cert/1`;
/** Longer than the whole test: a remote location never sees the write here. */
const LAG_MS = 10 * 60_000;

/** KV as replicated: writes land at once where they are made, and reach other locations only `lagMs` later. */
function replicatedKv(kv: KVNamespace, lagMs: number) {
  const writtenAt = new Map<string, number>();
  const writer = new Proxy(kv, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (property === "put") writtenAt.set(args[0] as string, Date.now());
        return value.apply(target, args);
      };
    },
  });
  const hidden = (key: string) => Date.now() - (writtenAt.get(key) ?? -Infinity) < lagMs;
  /** What a location the writes have not reached yet reads: nothing, for every key written less than `lagMs` ago. */
  const remote = new Proxy(kv, {
    get(target, property) {
      if (property === "get") return async (key: string, options?: unknown) => (hidden(key) ? null : target.get(key, options as never));
      if (property === "getWithMetadata") {
        return async (key: string, options?: unknown) => (hidden(key) ? { value: null, metadata: null, cacheStatus: null } : target.getWithMetadata(key, options as never));
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { writer, remote };
}

/** One network perspective of the CA: requests land on a Worker (an isolate of its own) at a location that reads `kv`. */
function perspective(kv: KVNamespace) {
  const locationEnv = { ...env, CHALLENGES: kv };
  return async (domain: string, token: string) => {
    const ctx = createExecutionContext();
    const response = await app.fetch(new Request(`http://${domain}/.well-known/acme-challenge/${token}`), locationEnv, ctx);
    await waitOnExecutionContext(ctx);
    return { status: response.status, body: (await response.text()).trim() };
  };
}

type Perspective = ReturnType<typeof perspective>;

/**
 * A CA with one order for `domain`: the challenge is validated from every perspective, and each must see the key
 * authorization of the account (RFC 8555 §8.3).
 */
async function caValidatingFrom(perspectives: Perspective[], domain: string, token: string) {
  const ca = new FakeCa();
  const keys = await generateAccountKey();
  ca.addAccount(ACCOUNT, (await publicJwk(keys.publicKey)) as JsonWebKey);
  const seen: { status: number; body: string }[] = [];
  let authorization: "pending" | "valid" | "invalid" = "pending";
  let finalized = false;
  const order = () => ({
    status: finalized ? "valid" : authorization === "valid" ? "ready" : authorization === "invalid" ? "invalid" : "pending",
    identifiers: [{ type: "dns", value: domain }],
    authorizations: [AUTHZ],
    finalize: `${ORDER}/finalize`,
    ...(finalized ? { certificate: CERTIFICATE } : {}),
  });
  const challenge = (error?: unknown) => ({ type: "http-01", url: CHALLENGE, token, status: authorization === "pending" ? "pending" : authorization, ...(error ? { error } : {}) });
  ca.on("POST", "/order", () => ({ status: 201, headers: { location: ORDER }, body: order() }));
  ca.on("POST", "/order/1", () => ({ body: order() }));
  ca.on("POST", "/authz/1", () => {
    const failed = authorization === "invalid" ? problem("unauthorized", `perspectives saw ${JSON.stringify(seen)}`).body : undefined;
    return { body: { status: authorization, identifier: { type: "dns", value: domain }, challenges: [challenge(failed)] } };
  });
  ca.on("POST", "/chall/1", async () => {
    for (const ask of perspectives) seen.push(await ask(domain, token));
    authorization = seen.every((s) => s.status === 200 && s.body === expected) ? "valid" : "invalid";
    return { body: { ...challenge(), status: "processing" } };
  });
  const chain = await makeChain({ names: [domain] });
  ca.on("POST", "/order/1/finalize", () => {
    finalized = true;
    return { body: order() };
  });
  ca.on("POST", "/cert/1", () => ({ headers: { "content-type": "application/pem-certificate-chain" }, text: chain.chainPem }));
  const time = fakeClock(Date.now());
  const client = new AcmeClient({ directoryUrl: `${CA}/dir`, accountKey: keys, accountUrl: ACCOUNT, fetch: ca.fetch, now: time.now, sleep: time.sleep });
  const expected = await client.keyAuthorization(token);
  return { client, seen, expected };
}

let token: string;
let domain: string;
beforeEach(() => {
  token = crypto.randomUUID().replace(/-/g, "") + crypto.randomUUID().replace(/-/g, "").slice(0, 11);
  domain = `lag-${token.slice(0, 8)}.example.com`;
});

describe("HTTP-01 while KV lags", () => {
  it("issues when the CA's perspectives reach locations KV has not reached: they are answered from D1", async () => {
    const kv = replicatedKv(env.CHALLENGES, LAG_MS);
    const db = depsFrom(env).db;
    // Three perspectives: one lands where the write was made, two where it has not arrived.
    const { client, seen, expected } = await caValidatingFrom([perspective(kv.writer), perspective(kv.remote), perspective(kv.remote)], domain, token);
    const solver = http01Solver(kv.writer, db);

    // Nothing of the answer reaches a remote location through KV before the job ends.
    const result = await issueCertificate(client, solver, { names: [domain], keySpec: { keyType: "ec", curve: "P-256" }, dryRun: false, deadline: Date.now() + 60_000 });

    expect(seen).toEqual([
      { status: 200, body: expected },
      { status: 200, body: expected },
      { status: 200, body: expected },
    ]);
    expect(result.dryRun).toBe(false);
    if (!result.dryRun) expect(result.chainPem).toContain("-----BEGIN CERTIFICATE-----");
    // cleanUp removed the answer from both stores.
    expect(await env.CHALLENGES.get(http01Key(token))).toBeNull();
    expect(await unexpiredAcmeChallenge(db, token, Date.now())).toBeNull();
  });

  it("a remote location whose KV has caught up is answered from KV, the same answer", async () => {
    const kv = replicatedKv(env.CHALLENGES, 0);
    const db = depsFrom(env).db;
    const { client, seen, expected } = await caValidatingFrom([perspective(kv.remote), perspective(kv.remote)], domain, token);
    const result = await issueCertificate(client, http01Solver(kv.writer, db), { names: [domain], keySpec: { keyType: "ec", curve: "P-256" }, dryRun: true, deadline: Date.now() + 60_000 });
    expect(result).toEqual({ dryRun: true, validated: [domain] });
    expect(seen.every((s) => s.status === 200 && s.body === expected)).toBe(true);
  });
});
