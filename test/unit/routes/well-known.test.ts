/**
 * The HTTP-01 route's KV fast path and its D1 fallback: what each answer costs in reads (D1 and KV calls are
 * counted), and how unknown tokens are kept from reaching D1 more than once per window.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "../../../src/app";
import { parseConfig } from "../../../src/core/config";
import { depsFrom } from "../../../src/deps";
import { http01Key } from "../../../src/issuance/http01-solver";
import { putAcmeChallenge } from "../../../src/store/acme-challenges";

const app = createApp();
const db = () => depsFrom(env).db;

/** 43 base64url characters, as a CA's 256-bit token. */
function newToken(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** `target` with every call of `methods` recorded (name and arguments) in `calls`. */
function counted<T extends object>(target: T, methods: readonly string[], calls: { name: string; args: unknown[] }[]): T {
  return new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (methods.includes(String(property))) calls.push({ name: String(property), args });
        return value.apply(object, args);
      };
    },
  });
}

/**
 * A Worker isolate of its own (deps.ts builds the dependencies, and the route its per-isolate memory, per env
 * object) in the tests' one location (one Cache API), whose D1 and KV calls are recorded.
 */
function isolate(vars: Record<string, string> = {}) {
  const d1: { name: string; args: unknown[] }[] = [];
  const kv: { name: string; args: unknown[] }[] = [];
  const isolateEnv = {
    ...env,
    ...vars,
    DB: counted(env.DB, ["prepare", "batch", "exec"], d1),
    CHALLENGES: counted(env.CHALLENGES, ["get", "getWithMetadata", "list"], kv),
  };
  return {
    d1,
    kv,
    async get(path: string, host = "app.example.com") {
      const ctx = createExecutionContext();
      const response = await app.fetch(new Request(`http://${host}${path}`), isolateEnv, ctx);
      await waitOnExecutionContext(ctx);
      return { status: response.status, text: await response.text(), headers: response.headers };
    },
  };
}

const challengePath = (token: string) => `/.well-known/acme-challenge/${token}`;

describe("GET /.well-known/acme-challenge/:token: the KV fast path", () => {
  it("a KV hit costs one KV read, with KV's shortest cacheTtl, and never touches D1", async () => {
    const token = newToken();
    await env.CHALLENGES.put(http01Key(token), `${token}.kv`);
    // A D1 row too: even when there is one, a hit does not read it.
    await putAcmeChallenge(db(), token, `${token}.d1`, Date.now() + 60_000);
    const worker = isolate();
    const res = await worker.get(challengePath(token));
    expect(res).toMatchObject({ status: 200, text: `${token}.kv` });
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(worker.kv).toEqual([{ name: "get", args: [http01Key(token), { cacheTtl: 30 }] }]);
    expect(worker.d1).toEqual([]);
  });

  it.each([["short"], ["has.dots.in.it.aaaaaaaaaaaa"], ["x".repeat(129)], ["secret-entry"], ["a%2F..%2F..%2Fsecret-entry-aaaaaa"], ["spaces%20in%20the%20token%20aaaa"]])(
    "a malformed token (%s) is a 404 without any read",
    async (token) => {
      const worker = isolate();
      expect((await worker.get(challengePath(token))).status).toBe(404);
      expect(worker.kv).toEqual([]);
      expect(worker.d1).toEqual([]);
    },
  );
});

describe("GET /.well-known/acme-challenge/:token: the D1 fallback", () => {
  it("answers from D1 when KV has no entry (yet) at this location, logging that it did", async () => {
    const token = newToken();
    await putAcmeChallenge(db(), token, `${token}.thumbprint`, Date.now() + 60_000);
    const log = vi.spyOn(console, "log");
    const worker = isolate();
    const res = await worker.get(challengePath(token), "lagging.example.com");
    expect(res).toMatchObject({ status: 200, text: `${token}.thumbprint` });
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(worker.kv.map((c) => c.name)).toEqual(["get"]);
    expect(worker.d1.map((c) => c.name)).toEqual(["prepare"]);
    expect(log.mock.calls.flat().join("\n")).toMatch(/http-01: answered lagging\.example\.com from D1/);
    log.mockRestore();
    // The answer is the same every time, and a found token is never remembered as missing.
    expect(await worker.get(challengePath(token))).toMatchObject({ status: 200, text: `${token}.thumbprint` });
  });

  it("does not serve an expired row", async () => {
    const token = newToken();
    await putAcmeChallenge(db(), token, `${token}.thumbprint`, Date.now() - 1);
    const worker = isolate();
    expect((await worker.get(challengePath(token))).status).toBe(404);
    expect(worker.d1).toHaveLength(1);
  });

  it("an unknown well-formed token reads D1 once, then not again within the window, in this isolate or another of the location", async () => {
    const token = newToken();
    const first = isolate();
    expect((await first.get(challengePath(token))).status).toBe(404);
    expect(first.d1).toHaveLength(1);
    // Again from the same isolate: remembered in memory.
    expect((await first.get(challengePath(token))).status).toBe(404);
    expect(first.d1).toHaveLength(1);
    // From another isolate of the same location: remembered in the location's Cache API.
    const second = isolate();
    expect((await second.get(challengePath(token))).status).toBe(404);
    expect(second.d1).toEqual([]);
    // A flood of it costs no more D1 reads.
    for (let i = 0; i < 20; i++) expect((await second.get(challengePath(token))).status).toBe(404);
    expect(second.d1).toEqual([]);
    // Every request still asks KV first: an entry written meanwhile is served at once.
    await env.CHALLENGES.put(http01Key(token), `${token}.late`);
    expect(await second.get(challengePath(token))).toMatchObject({ status: 200, text: `${token}.late` });
  });

  it("does not serve other KV entries", async () => {
    await env.CHALLENGES.put("secret-entry-0123456789", "nope");
    expect((await isolate().get(challengePath("secret-entry-0123456789"))).status).toBe(404);
  });
});

describe("TEST_HTTP01_KV_LAG (the e2e tests' simulated KV lag)", () => {
  const lag = JSON.stringify({ ms: 600_000, hostSuffix: "kvlag.certdesk.test" });

  it("hides a fresh KV entry from hosts under the suffix only, so they are answered from D1", async () => {
    const token = newToken();
    await putAcmeChallenge(db(), token, `${token}.thumbprint`, Date.now() + 60_000);
    await env.CHALLENGES.put(http01Key(token), `${token}.thumbprint`, { metadata: { writtenAt: Date.now() } });
    const lagging = isolate({ TEST_HTTP01_KV_LAG: lag });
    expect(await lagging.get(challengePath(token), "a.kvlag.certdesk.test:5002")).toMatchObject({ status: 200, text: `${token}.thumbprint` });
    expect(lagging.d1).toHaveLength(1);
    expect(await lagging.get(challengePath(token), "a.certdesk.test")).toMatchObject({ status: 200, text: `${token}.thumbprint` });
    expect(lagging.d1).toHaveLength(1);
    expect(lagging.kv.map((c) => c.name)).toEqual(["getWithMetadata", "getWithMetadata"]);
  });

  it("is refused in production", () => {
    const base = { ADMIN_TOKEN: "a-production-admin-token-0123", ENCRYPTION_KEY: btoa("p".repeat(32)), ACME_DIRECTORY_URL: "https://ca.example/dir", ACME_STAGING_DIRECTORY_URL: "https://ca.example/staging", DOH_RESOLVER_URL: "https://doh.example/dns-query" };
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(() => parseConfig({ ...base, TEST_HTTP01_KV_LAG: lag })).toThrow(/misconfigured/);
    expect(error.mock.calls.flat().join("\n")).toMatch(/TEST_HTTP01_KV_LAG/);
    error.mockRestore();
    expect(parseConfig({ ...base, CERTDESK_ENV: "test", TEST_HTTP01_KV_LAG: lag }).TEST_HTTP01_KV_LAG).toEqual({ ms: 600_000, hostSuffix: "kvlag.certdesk.test" });
    expect(parseConfig(base).TEST_HTTP01_KV_LAG).toBeUndefined();
  });
});
