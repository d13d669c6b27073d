/** `GET /api/v1/tokens/current`: any valid team token learns its own scopes, expiry and team; never a secret. */
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, newTenant } from "../../support/api";

describe("GET /api/v1/tokens/current", () => {
  it("answers the calling token as the token list shows it, with its team, and never the secret or its hash", async () => {
    const tenant = await newTenant();
    const res = await call("GET", "/api/v1/tokens/current", { token: tenant.token });
    expect(res.status, res.text).toBe(200);
    const listed = (await call("GET", "/api/v1/tokens", { token: tenant.token })).body.tokens.find((t: any) => t.id === res.body.id);
    expect(listed).toBeDefined();
    // Same fields as the list (lastUsedAt moves as tokens are used, so it is only required to be set).
    expect({ ...res.body, lastUsedAt: null }).toEqual({ ...listed, lastUsedAt: null, team: { id: tenant.teamId, slug: tenant.slug, name: `Team ${tenant.slug}` } });
    expect(res.body.lastUsedAt).toEqual(expect.any(String));
    expect(res.body.name).toBe("bootstrap");
    expect(res.body.expiresAt).toBeNull();
    expect(res.text).not.toContain(tenant.token);
    expect(Object.keys(res.body)).not.toEqual(expect.arrayContaining(["token"]));
    expect(res.text).not.toMatch(/hash/i);
  });

  it("needs no scope: a read-only token sees its own limited scopes, and an expiring token its expiry", async () => {
    const tenant = await newTenant();
    const readOnly = await call("GET", "/api/v1/tokens/current", { token: tenant.readToken });
    expect(readOnly.status, readOnly.text).toBe(200);
    expect(readOnly.body).toMatchObject({ name: "read-only", scopes: ["projects:read", "certs:read", "organization:read", "tokens:read"], team: { id: tenant.teamId } });
    expect(readOnly.body.scopes).not.toContain("certs:write");
    const narrow = await call("POST", "/api/v1/tokens", { token: tenant.token, json: { name: "webhooks only", scopes: ["webhooks:read"], expiresInDays: 7 } });
    const self = await call("GET", "/api/v1/tokens/current", { token: narrow.body.token });
    expect(self.status, self.text).toBe(200);
    expect(self.body).toMatchObject({ id: narrow.body.id, scopes: ["webhooks:read"], expiresAt: narrow.body.expiresAt });
    expect(Date.parse(self.body.expiresAt) - Date.parse(self.body.createdAt)).toBe(7 * 86_400_000);
  });

  it("401 without a valid token, for a revoked one, and for the operator token with a message that says which kind is needed", async () => {
    const tenant = await newTenant();
    expect((await call("GET", "/api/v1/tokens/current", {})).status).toBe(401);
    expect((await call("GET", "/api/v1/tokens/current", { token: "cd_nonsense" })).status).toBe(401);
    const operator = await call("GET", "/api/v1/tokens/current", { token: ADMIN_TOKEN });
    expect(operator.status).toBe(401);
    expect(operator.body.error).toMatch(/^This is the operator token \(ADMIN_TOKEN\); this route needs a team API token \(any scope\)/);
    const doomed = await call("POST", "/api/v1/tokens", { token: tenant.token, json: { name: "doomed", scopes: ["projects:read"] } });
    expect((await call("DELETE", `/api/v1/tokens/${doomed.body.id}`, { token: tenant.token })).status).toBe(200);
    expect((await call("GET", "/api/v1/tokens/current", { token: doomed.body.token })).status).toBe(401);
  });
});
