/**
 * POST /api/v1/admin/tokens: the operator's way to give a team a scope none of its tokens holds (a team created before
 * `certificates:export` or `cas:*` existed), without widening any existing token.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, newTenant } from "../../support/api";

/** A team as one made before the private CA, seen through a token that lacks the cas scopes (and cannot grant them). */
async function olderTeam() {
  const t = await newTenant();
  const older = await call("POST", "/api/v1/tokens", { token: t.token, json: { name: "older", scopes: ["projects:write", "certs:write", "tokens:write"] } });
  expect(older.status, older.text).toBe(200);
  return { ...t, token: older.body.token as string };
}

describe("POST /api/v1/admin/tokens", () => {
  it("gives an older team the cas scopes its own tokens cannot grant, and widens no existing token", async () => {
    const t = await olderTeam();
    expect((await call("POST", "/api/v1/tokens", { token: t.token, json: { name: "ca", scopes: ["cas:write"] } })).status).toBe(403);
    expect((await call("GET", "/api/v1/cas", { token: t.token })).status).toBe(403);

    const created = await call("POST", "/api/v1/admin/tokens", {
      token: ADMIN_TOKEN,
      json: { teamId: t.teamId, name: "private-ca", scopes: ["cas:write", "cas:issue"], expiresInDays: 30 },
    });
    expect(created.status, created.text).toBe(200);
    expect(created.body).toMatchObject({ name: "private-ca", scopes: ["cas:write", "cas:issue"] });
    expect(Date.parse(created.body.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect((await call("GET", "/api/v1/cas", { token: created.body.token })).status).toBe(200);
    // The team's own token is as it was.
    expect((await call("GET", "/api/v1/cas", { token: t.token })).status).toBe(403);

    // The team's log records it with the operator as actor, never the secret.
    const log = await call("GET", "/api/v1/audit-log", { token: t.readToken });
    const row = log.body.events.find((entry: { action: string }) => entry.action === "POST /api/v1/admin/tokens");
    expect(row).toMatchObject({ actor: "operator", target: created.body.id, detail: { name: "private-ca", scopes: ["cas:write", "cas:issue"] } });
    expect(log.text).not.toContain(created.body.token);
  });

  it("refuses a team token, an unknown team, an unknown scope and an empty list, and creates nothing", async () => {
    const t = await newTenant();
    const count = async () => (await env.DB.prepare("SELECT count(*) AS n FROM api_tokens").first<{ n: number }>())!.n;
    const before = await count();
    const body = { teamId: t.teamId, name: "x", scopes: ["cas:read"] };
    expect((await call("POST", "/api/v1/admin/tokens", { token: t.token, json: body })).status).toBe(401);
    const unknown = await call("POST", "/api/v1/admin/tokens", { token: ADMIN_TOKEN, json: { ...body, teamId: "team_nope" } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toContain("Team not found");
    const badScope = await call("POST", "/api/v1/admin/tokens", { token: ADMIN_TOKEN, json: { ...body, scopes: ["root"] } });
    expect(badScope.status).toBe(400);
    expect(badScope.text).toContain("scopes");
    expect((await call("POST", "/api/v1/admin/tokens", { token: ADMIN_TOKEN, json: { ...body, scopes: [] } })).status).toBe(400);
    expect((await call("POST", "/api/v1/admin/tokens", { token: ADMIN_TOKEN, json: { ...body, extra: 1 } })).status).toBe(400);
    expect(await count()).toBe(before);
  });
});
