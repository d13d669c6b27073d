/** A token grants and revokes only what it holds: no wider scopes, no longer life, no revoking a broader token. */
import { describe, expect, it } from "vitest";
import { call, newTenant, type Tenant } from "../../support/api";
import { ALL_SCOPES } from "../../support/scopes";


/** A token made with the tenant's all-scope bootstrap token. */
async function tokenWith(tenant: Tenant, scopes: string[], expiresInDays?: number) {
  const res = await call("POST", "/api/v1/tokens", { token: tenant.token, json: { name: `t-${scopes.join("+")}`, scopes, expiresInDays } });
  expect(res.status).toBe(200);
  return res.body as { id: string; token: string };
}

/** What a refusal must leave as it was: the team's tokens (ids and revocation) and its audit log. */
async function teamState(tenant: Tenant) {
  const tokens = await call("GET", "/api/v1/tokens", { token: tenant.token });
  const log = await call("GET", "/api/v1/audit-log", { token: tenant.token });
  return {
    tokens: tokens.body.tokens.map((t: any) => `${t.id} ${t.revokedAt}`).sort(),
    events: log.body.events.map((e: any) => e.id),
  };
}

describe("creating a token", () => {
  it("refuses scopes the caller does not hold, naming them, and creates nothing", async () => {
    const tenant = await newTenant();
    const narrow = await tokenWith(tenant, ["tokens:write"], 1);
    const before = await teamState(tenant);
    const res = await call("POST", "/api/v1/tokens", {
      token: narrow.token,
      json: { name: "escalate", scopes: ["projects:write", "certs:write", "organization:write", "tokens:write"] },
    });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      success: false,
      code: "forbidden",
      error: "This token cannot grant scopes it does not hold: projects:write, certs:write, organization:write",
    });
    expect(await teamState(tenant)).toEqual(before);
  });

  it("refuses a token without an expiry from a caller that has one, saying so", async () => {
    const tenant = await newTenant();
    const expiring = await tokenWith(tenant, ["tokens:write"], 30);
    const before = await teamState(tenant);
    const res = await call("POST", "/api/v1/tokens", { token: expiring.token, json: { name: "forever", scopes: ["tokens:read"] } });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("forbidden");
    expect(res.body.error).toMatch(
      /^This token expires at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ and cannot create a token without an expiry: set expiresInDays to 29 or less$/,
    );
    expect(await teamState(tenant)).toEqual(before);
  });

  it("refuses a token that would outlive its creator, and allows one that does not", async () => {
    const tenant = await newTenant();
    const expiring = await tokenWith(tenant, ["tokens:write"], 30);
    const longer = await call("POST", "/api/v1/tokens", { token: expiring.token, json: { name: "longer", scopes: ["tokens:read"], expiresInDays: 30 } });
    expect(longer.status).toBe(403);
    expect(longer.body.error).toMatch(/cannot create a token that expires after it does: set expiresInDays to 29 or less$/);
    const shorter = await call("POST", "/api/v1/tokens", { token: expiring.token, json: { name: "shorter", scopes: ["tokens:read"], expiresInDays: 29 } });
    expect(shorter.status).toBe(200);
  });

  it("tells a token with less than a day left that it can create none", async () => {
    const tenant = await newTenant();
    const brief = await tokenWith(tenant, ["tokens:write"], 1);
    const res = await call("POST", "/api/v1/tokens", { token: brief.token, json: { name: "x", scopes: ["tokens:read"], expiresInDays: 1 } });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/it expires in less than a day, the shortest lifetime a new token can have, so it can create none$/);
  });

  it("lets a caller grant what it holds, a :write covering its :read", async () => {
    const tenant = await newTenant();
    const writer = await tokenWith(tenant, ["projects:write", "tokens:write"]);
    const res = await call("POST", "/api/v1/tokens", {
      token: writer.token,
      json: { name: "reader", scopes: ["projects:read", "projects:write", "tokens:read"] },
    });
    expect(res.status).toBe(200);
    expect(res.body.scopes).toEqual(["projects:read", "projects:write", "tokens:read"]);
    expect(res.body.expiresAt).toBeNull();
  });

  it.each([
    [{ name: "x", scopes: [] }, "scopes: must name at least one scope"],
    [{ name: "x", scopes: ["tokens:read"], expiresInDays: 0 }, "expiresInDays: "],
    [{ name: "x", scopes: ["tokens:read"], expiresInDays: 1.5 }, "expiresInDays: "],
  ])("answers malformed input %j with 400", async (json, message) => {
    const tenant = await newTenant();
    const res = await call("POST", "/api/v1/tokens", { token: tenant.token, json });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain(message);
  });
});

describe("revoking a token", () => {
  it("refuses to revoke a token holding scopes the caller does not hold (the bootstrap token), changing nothing", async () => {
    const tenant = await newTenant();
    const narrow = await tokenWith(tenant, ["tokens:write"], 1);
    const tokens = await call("GET", "/api/v1/tokens", { token: tenant.token });
    const bootstrap = tokens.body.tokens.find((t: any) => t.name === "bootstrap");
    const before = await teamState(tenant);
    const res = await call("DELETE", `/api/v1/tokens/${bootstrap.id}`, { token: narrow.token });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      success: false,
      code: "forbidden",
      error:
        "This token cannot revoke a token holding scopes it does not hold: " +
        ALL_SCOPES.filter((s) => !s.startsWith("tokens:")).join(", "),
    });
    expect(await teamState(tenant)).toEqual(before);
    expect((await call("GET", "/api/v1/team", { token: tenant.token })).status).toBe(200);
  });

  it("lets a caller revoke tokens whose scopes it holds, itself included", async () => {
    const tenant = await newTenant();
    const manager = await tokenWith(tenant, ["projects:write", "tokens:write"]);
    const reader = await tokenWith(tenant, ["projects:read", "tokens:read"]);
    expect((await call("DELETE", `/api/v1/tokens/${reader.id}`, { token: manager.token })).status).toBe(200);
    expect((await call("GET", "/api/v1/projects", { token: reader.token })).status).toBe(401);
    expect((await call("DELETE", `/api/v1/tokens/${manager.id}`, { token: manager.token })).status).toBe(200);
    expect((await call("GET", "/api/v1/projects", { token: manager.token })).status).toBe(401);
  });

  it("still answers another team's token with 404, before any scope check", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const narrow = await tokenWith(a, ["tokens:write"]);
    const bTokens = await call("GET", "/api/v1/tokens", { token: b.token });
    const res = await call("DELETE", `/api/v1/tokens/${bTokens.body.tokens[0].id}`, { token: narrow.token });
    expect(res.status).toBe(404);
  });
});
