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

  it("gets back into a team whose first token was lost, named by the slug its second create was refused for", async () => {
    const slug = `lost-${Date.now().toString(36)}`;
    const first = await call("POST", "/api/v1/teams", { token: ADMIN_TOKEN, json: { slug, name: "Lost" } });
    expect(first.status, first.text).toBe(200);
    const again = await call("POST", "/api/v1/teams", { token: ADMIN_TOKEN, json: { slug, name: "Lost" } });
    expect(again.status).toBe(409);
    expect(again.body.error).toContain(`"teamSlug": "${slug}"`);

    const back = await call("POST", "/api/v1/admin/tokens", { token: ADMIN_TOKEN, json: { teamSlug: slug, name: "again", scopes: ["projects:write"] } });
    expect(back.status, back.text).toBe(200);
    const team = await call("GET", "/api/v1/team", { token: back.body.token });
    expect(team.body).toMatchObject({ id: first.body.id, slug });
  });

  it("needs exactly one of teamId and teamSlug, and names an unknown slug", async () => {
    const t = await newTenant();
    const both = await call("POST", "/api/v1/admin/tokens", { token: ADMIN_TOKEN, json: { teamId: t.teamId, teamSlug: "x", name: "x", scopes: ["cas:read"] } });
    expect(both.status).toBe(400);
    expect(both.body.error).toContain("give exactly one of teamId and teamSlug");
    const neither = await call("POST", "/api/v1/admin/tokens", { token: ADMIN_TOKEN, json: { name: "x", scopes: ["cas:read"] } });
    expect(neither.status).toBe(400);
    const unknown = await call("POST", "/api/v1/admin/tokens", { token: ADMIN_TOKEN, json: { teamSlug: "no-such-team-slug", name: "x", scopes: ["cas:read"] } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('No team has the slug "no-such-team-slug"');
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
