import { describe, expect, it } from "vitest";
import { database } from "../../../src/db/client";
import { commitWithAudit } from "../../../src/http/audited-commit";
import { createTeam } from "../../../src/services/teams";
import { ADMIN_TOKEN, call, env, newTenant } from "../../support/api";

describe("team bootstrap", () => {
  it("creates a team with a first token that works, and stores only its hash", async () => {
    const res = await call("POST", "/api/v1/teams", { token: ADMIN_TOKEN, json: { slug: "acme-corp", name: "Acme" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ slug: "acme-corp", name: "Acme" });
    expect(res.body.id).toMatch(/^team_/);
    expect(res.body.token).toMatch(/^cdk_/);
    const me = await call("GET", "/api/v1/team", { token: res.body.token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(res.body.id);
    const stored = await env.DB.prepare("SELECT token_hash FROM api_tokens WHERE team_id = ?").bind(res.body.id).all();
    expect(JSON.stringify(stored.results)).not.toContain(res.body.token);
  });

  it("refuses a duplicate slug with 409 and changes nothing", async () => {
    await call("POST", "/api/v1/teams", { token: ADMIN_TOKEN, json: { slug: "dup-team", name: "One" } });
    const again = await call("POST", "/api/v1/teams", { token: ADMIN_TOKEN, json: { slug: "dup-team", name: "Two" } });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ success: false, code: "conflict" });
    expect(again.body.error).toMatch(/^A team with slug "dup-team" already exists; to get back in, the operator makes it a token with POST \/api\/v1\/admin\/tokens and \{"teamSlug": "dup-team"/);
    const count = await env.DB.prepare("SELECT count(*) AS n FROM teams WHERE slug = 'dup-team'").first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it("refuses the loser of two interleaved creates of one slug, storing no token and no audit row for it", async () => {
    // Called directly, both creates pass the read-first check before either writes: the insert decides.
    const db = database(env.DB);
    const commit = commitWithAudit(db, { actor: "operator", action: "POST /api/v1/teams" }, Date.now);
    const slug = `race-${Date.now().toString(36)}`;
    const results = await Promise.allSettled(["One", "Two"].map((name) => createTeam(db, { slug, name }, Date.now(), commit)));
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const lost = results.find((r): r is PromiseRejectedResult => r.status === "rejected")!.reason;
    expect(lost).toMatchObject({ code: "conflict", status: 409 });
    expect(lost.message).toContain(`A team with slug "${slug}" already exists`);
    const won = results.find((r) => r.status === "fulfilled")!.value;
    const tokens = await env.DB.prepare("SELECT t.team_id FROM api_tokens t JOIN teams ON teams.id = t.team_id WHERE teams.slug = ?").bind(slug).all();
    expect(tokens.results).toEqual([{ team_id: won.team.id }]);
    const rows = await env.DB.prepare("SELECT team_id, detail FROM audit_log WHERE action = 'POST /api/v1/teams'").all<{ team_id: string; detail: string | null }>();
    const recorded = rows.results.filter((r) => r.detail !== null && JSON.parse(r.detail).slug === slug);
    expect(recorded.map((r) => r.team_id)).toEqual([won.team.id]);
  });

  it.each([
    ["no token", null, 401],
    ["a wrong admin token", "nope", 401],
  ])("refuses %s", async (_name, token, status) => {
    const res = await call("POST", "/api/v1/teams", { token, json: { slug: "x-team", name: "X" } });
    expect(res.status).toBe(status);
    expect(res.body.success).toBe(false);
  });

  it("refuses a team token in place of the admin token", async () => {
    const tenant = await newTenant();
    const res = await call("POST", "/api/v1/teams", { token: tenant.token, json: { slug: "y-team", name: "Y" } });
    expect(res.status).toBe(401);
  });

  it.each([
    [{ slug: "Bad Slug", name: "x" }, "slug: must be 1-48 lower-case letters, digits or hyphens"],
    [{ slug: "ok", name: "" }, "name: must not be empty"],
    [{ slug: "ok" }, "name: Required"],
    [{ slug: "ok", name: "x", extra: 1 }, "Unrecognized key"],
  ])("validates the body %j", async (json, message) => {
    const res = await call("POST", "/api/v1/teams", { token: ADMIN_TOKEN, json });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain(message);
  });
});

describe("tokens", () => {
  it("creates a scoped token, lists tokens without secrets, revokes", async () => {
    const tenant = await newTenant();
    const created = await call("POST", "/api/v1/tokens", {
      token: tenant.token,
      json: { name: "ci", scopes: ["projects:read"] },
    });
    expect(created.status).toBe(200);
    expect(created.body.scopes).toEqual(["projects:read"]);
    const list = await call("GET", "/api/v1/tokens", { token: tenant.token });
    expect(list.status).toBe(200);
    expect(list.body.tokens.map((t: any) => t.name)).toEqual(expect.arrayContaining(["bootstrap", "read-only", "ci"]));
    expect(list.text).not.toContain(created.body.token);
    expect(list.text).not.toContain(tenant.token);

    // read-only: can read, cannot write; use is recorded
    expect((await call("GET", "/api/v1/projects", { token: created.body.token })).status).toBe(200);
    const used = await call("GET", "/api/v1/tokens", { token: tenant.token });
    expect(used.body.tokens.find((t: any) => t.id === created.body.id).lastUsedAt).not.toBeNull();
    const write = await call("POST", "/api/v1/projects", { token: created.body.token, json: { name: "nope" } });
    expect(write.status).toBe(403);
    expect(write.body.error).toBe("This token lacks the projects:write scope");

    const revoked = await call("DELETE", `/api/v1/tokens/${created.body.id}`, { token: tenant.token });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const after = await call("GET", "/api/v1/projects", { token: created.body.token });
    expect(after.status).toBe(401);
  });

  it("refuses unknown scopes", async () => {
    const tenant = await newTenant();
    const res = await call("POST", "/api/v1/tokens", { token: tenant.token, json: { name: "x", scopes: ["root"] } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^scopes\.0: /);
  });

  it("does not let one team revoke another team's token", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const list = await call("GET", "/api/v1/tokens", { token: b.token });
    const bTokenId = list.body.tokens[0].id;
    const res = await call("DELETE", `/api/v1/tokens/${bTokenId}`, { token: a.token });
    expect(res.status).toBe(404);
    expect((await call("GET", "/api/v1/team", { token: b.token })).status).toBe(200);
  });
});
