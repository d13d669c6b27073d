/**
 * What an authenticated read costs in D1 statements (counted, not timed): a warm token costs nothing beyond the
 * route's own queries, a cold one one read more (plus the last-used write, at most once a minute), and a token cache
 * (src/services/token-cache.ts) that still lets a revoke through: at once in the revoking isolate, within the TTL
 * in any other. A read's session may be answered by a replica (src/http/d1-session.ts), so a token it does not find
 * is asked of the primary once more before the 401 (src/http/auth.ts): a refused token costs two reads.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TOKEN_CACHE_TTL_MS } from "../../../src/services/token-cache";
import { call, newProject, newTenant } from "../../support/api";
import { makeChain } from "../../support/pki-fixtures";
import { countingIsolate, NO_SESSION } from "../../support/d1-count";

const tokenRead = (sql: string) => /from "api_tokens"/.test(sql);
const tokenWrite = (sql: string) => /^update "api_tokens" set "last_used_at"/.test(sql);

/** A new token of `tenant` (scopes as given), its id and secret. */
async function newToken(owner: string, scopes: string[], expiresInDays?: number) {
  const res = await call("POST", "/api/v1/tokens", { token: owner, json: { name: "counted", scopes, expiresInDays } });
  expect(res.status).toBe(200);
  return { id: res.body.id as string, token: res.body.token as string };
}

describe("D1 statements per authenticated read", () => {
  it("a warm token costs only the route's own queries", async () => {
    const tenant = await newTenant();
    const project = await newProject(tenant);
    const isolate = countingIsolate();
    // Warms the token in this isolate (and records its use).
    expect((await isolate.request("GET", "/api/v1/team", tenant.readToken)).status).toBe(200);
    const routes: [string, number][] = [
      [`/api/v1/projects/${project.id}`, 1],
      ["/api/v1/projects", 1],
      // The project (ownership, 404 when not the team's), then its certificate.
      [`/api/v1/projects/${project.id}/certificate`, 2],
      ["/api/v1/team", 1],
      ["/v8/certs", 1],
      ["/v1/organization/certificates", 1],
    ];
    for (const [path, expected] of routes) {
      const res = await isolate.request("GET", path, tenant.readToken);
      expect(res.status, path).toBe(200);
      expect(res.statements.filter(tokenRead), path).toEqual([]);
      expect(res.statements, path).toHaveLength(expected);
    }
  });

  it("a cold token costs one read more; a never-used one also its last-used write, once", async () => {
    const tenant = await newTenant();
    const project = await newProject(tenant);
    const path = `/api/v1/projects/${project.id}`;
    const fresh = await newToken(tenant.token, ["projects:read"]);
    const isolate = countingIsolate();
    const first = await isolate.request("GET", path, fresh.token);
    expect(first.status).toBe(200);
    expect(first.statements).toHaveLength(3);
    expect(first.statements.filter(tokenRead)).toHaveLength(1);
    expect(first.statements.filter(tokenWrite)).toHaveLength(1);
    expect((await isolate.request("GET", path, fresh.token)).statements).toHaveLength(1);

    // Used a moment ago (by another isolate): cold here costs the read, not the write.
    const other = countingIsolate();
    const cold = await other.request("GET", path, fresh.token);
    expect(cold.status).toBe(200);
    expect(cold.statements).toHaveLength(2);
    expect(cold.statements.filter(tokenRead)).toHaveLength(1);
  });

  it("writes last use again from the cache only once a minute has passed, without reading the token", async () => {
    const tenant = await newTenant();
    const isolate = countingIsolate();
    const start = Date.now();
    let now = start;
    isolate.deps.clock = { now: () => now };
    await isolate.request("GET", "/api/v1/team", tenant.readToken);
    now = start + 20_000;
    expect((await isolate.request("GET", "/api/v1/team", tenant.readToken)).statements).toHaveLength(1);
    // Past the TTL the token is read again; past a minute since the last write, use is written again.
    now = start + 61_000;
    const later = await isolate.request("GET", "/api/v1/team", tenant.readToken);
    expect(later.statements.filter(tokenRead)).toHaveLength(1);
    expect(later.statements.filter(tokenWrite)).toHaveLength(1);
  });

  it("an unknown token costs two D1 reads every time (the session's, then the primary's): nothing is cached for it", async () => {
    const isolate = countingIsolate();
    const unknown = `cdk_${"A".repeat(43)}`;
    for (let i = 0; i < 2; i++) {
      const res = await isolate.request("GET", "/api/v1/projects", unknown);
      expect(res.status).toBe(401);
      // Not on the session's replica: perhaps created moments ago, so asked of the primary before the 401.
      expect(res.statements).toHaveLength(2);
      expect(res.statements.filter(tokenRead)).toHaveLength(2);
    }
    // A malformed token never reaches D1.
    expect((await isolate.request("GET", "/api/v1/projects", "not-a-token")).statements).toEqual([]);
  });
});

describe("revocation and expiry with the token cache", () => {
  it("a token revoked through this isolate is refused at once", async () => {
    const tenant = await newTenant();
    const victim = await newToken(tenant.token, ["projects:read"]);
    const isolate = countingIsolate();
    expect((await isolate.request("GET", "/api/v1/projects", victim.token)).status).toBe(200);
    expect((await isolate.request("DELETE", `/api/v1/tokens/${victim.id}`, tenant.token)).status).toBe(200);
    const after = await isolate.request("GET", "/api/v1/projects", victim.token);
    expect(after.status).toBe(401);
    // Read from the primary only (no session), which has the revoke: a replica that lags could still show it active.
    expect(after.statements.filter(tokenRead)).toHaveLength(1);
    expect(after.via.filter((_, i) => tokenRead(after.statements[i]!))).toEqual([NO_SESSION]);
  });

  it("a token revoked elsewhere (straight in D1) works here until the TTL has passed, and not after", async () => {
    const tenant = await newTenant();
    const victim = await newToken(tenant.token, ["projects:read"]);
    const isolate = countingIsolate();
    const start = Date.now();
    let now = start;
    isolate.deps.clock = { now: () => now };
    expect((await isolate.request("GET", "/api/v1/projects", victim.token)).status).toBe(200);
    // As another isolate's revoke would: this isolate's cache is not told.
    await env.DB.prepare("UPDATE api_tokens SET revoked_at = ? WHERE id = ?").bind(start, victim.id).run();
    now = start + TOKEN_CACHE_TTL_MS - 1;
    expect((await isolate.request("GET", "/api/v1/projects", victim.token)).status).toBe(200);
    now = start + TOKEN_CACHE_TTL_MS;
    expect((await isolate.request("GET", "/api/v1/projects", victim.token)).status).toBe(401);
  });

  it("checks expiry on every hit: an expired token is never answered from the cache", async () => {
    const tenant = await newTenant();
    const expiring = await newToken(tenant.token, ["projects:read"], 1);
    const row = await env.DB.prepare("SELECT expires_at FROM api_tokens WHERE id = ?").bind(expiring.id).first<{ expires_at: number }>();
    const isolate = countingIsolate();
    // Cached 10 s before the token expires, so the entry is still fresh when the token is not.
    let now = row!.expires_at - 10_000;
    isolate.deps.clock = { now: () => now };
    expect((await isolate.request("GET", "/api/v1/projects", expiring.token)).status).toBe(200);
    now = row!.expires_at;
    const res = await isolate.request("GET", "/api/v1/projects", expiring.token);
    expect(res.status).toBe(401);
    // The expired entry is dropped; D1 (which checks expiry too) is asked, the session's replica then the primary (a
    // refused token costs two reads), and the route never runs.
    expect(res.statements).toHaveLength(2);
    expect(res.statements.filter(tokenRead)).toHaveLength(2);
  });

  it("validate changes nothing, so it costs what a read does: no audit row, no primary bookmark, a replica's session", async () => {
    const tenant = await newTenant();
    const project = await newProject(tenant);
    const chain = await makeChain({ names: [project.domain!] });
    const isolate = countingIsolate();
    expect((await isolate.request("GET", "/api/v1/team", tenant.readToken)).status).toBe(200);
    const res = await isolate.request("POST", `/api/v1/projects/${project.id}/certificate/validate`, tenant.readToken, {
      json: { certificate: chain.chainPem, privateKey: chain.keyPem },
    });
    expect(res.status).toBe(200);
    // One statement: the project and, in it, the first of the certificate's names the team does not hold. Nothing
    // written, no `SELECT 1` for a bookmark.
    expect(res.statements).toHaveLength(1);
    expect(res.statements[0]).toMatch(/from "projects"/i);
    expect(res.statements[0]).toMatch(/domain_claims/);
    expect(res.statements.some((sql) => /^(insert|update|delete)\b/i.test(sql) || sql === "SELECT 1")).toBe(false);
    expect(res.sessions).toEqual(["first-unconstrained"]);
  });
});
