/** The audit trail: operator actions, token ids and scopes, and the row committed with its change or not at all. */
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, env, newTenant } from "../../support/api";
import { withAuditFailing } from "../../support/audit-outage";
import { ALL_SCOPES } from "../../support/scopes";

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

async function events(token: string) {
  const res = await call("GET", "/api/v1/audit-log?limit=200", { token });
  expect(res.status).toBe(200);
  return res.body.events as Array<{ id: string; actor: string; action: string; target: string; detail: any; at: string }>;
}

describe("what the audit log records", () => {
  it("records the team's creation by the operator, with its first token's id and scopes", async () => {
    const slug = `audit-${unique()}`;
    const created = await call("POST", "/api/v1/teams", { token: ADMIN_TOKEN, json: { slug, name: "Audited" } });
    expect(created.status).toBe(200);
    const tokens = await call("GET", "/api/v1/tokens", { token: created.body.token });
    const bootstrap = tokens.body.tokens[0];
    expect(await events(created.body.token)).toEqual([
      {
        id: expect.stringMatching(/^evt_/),
        actor: "operator",
        action: "POST /api/v1/teams",
        target: created.body.id,
        detail: { slug, token: { id: bootstrap.id, name: "bootstrap", scopes: ALL_SCOPES, expiresAt: null } },
        at: expect.any(String),
      },
    ]);
  });

  it("records a created token's id, name, scopes and expiry, a revoked one's too, never a secret", async () => {
    const tenant = await newTenant();
    const created = await call("POST", "/api/v1/tokens", {
      token: tenant.token,
      json: { name: "deploy", scopes: ["projects:write", "certs:read"], expiresInDays: 7 },
    });
    expect(created.status).toBe(200);
    expect((await call("DELETE", `/api/v1/tokens/${created.body.id}`, { token: tenant.token })).status).toBe(200);
    const [revoked, made] = await events(tenant.token);
    const detail = { name: "deploy", scopes: ["projects:write", "certs:read"], expiresAt: created.body.expiresAt };
    expect(made).toMatchObject({ action: "POST /api/v1/tokens", target: created.body.id, detail });
    expect(revoked).toMatchObject({ action: "DELETE /api/v1/tokens/:tokenId", target: created.body.id, detail });
    // Neither the secret nor its hash is anywhere in the table.
    const hash = await env.DB.prepare("SELECT token_hash FROM api_tokens WHERE id = ?").bind(created.body.id).first<{ token_hash: string }>();
    const table = JSON.stringify((await env.DB.prepare("SELECT * FROM audit_log").all()).results);
    for (const secret of [created.body.token, tenant.token, tenant.readToken, hash!.token_hash]) expect(table).not.toContain(secret);
  });

  it("records a manual renewal sweep as the operator's, in no team's log", async () => {
    // No team's log shows it, so it is read from the table.
    const asOf = "2001-02-03T04:05:06Z";
    const batchSize = 7;
    const res = await call("POST", "/api/v1/admin/renewal-sweep", { token: ADMIN_TOKEN, json: { asOf, batchSize } });
    expect(res.status).toBe(200);
    const rows = await env.DB.prepare("SELECT team_id, actor, target, detail FROM audit_log WHERE action = 'POST /api/v1/admin/renewal-sweep'").all<{
      team_id: string;
      actor: string;
      target: string;
      detail: string | null;
    }>();
    const mine = rows.results.filter((r) => r.detail !== null && JSON.parse(r.detail).asOf === asOf);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ team_id: "", actor: "operator", target: "" });
    expect(JSON.parse(mine[0]!.detail!)).toEqual({ asOf, batchSize });
  });

  it("records no refused change", async () => {
    const tenant = await newTenant();
    const before = await events(tenant.token);
    const refused = await call("POST", "/api/v1/tokens", { token: tenant.readToken, json: { name: "x", scopes: ["tokens:read"] } });
    expect(refused.status).toBe(403);
    const invalid = await call("POST", "/api/v1/tokens", { token: tenant.token, json: { name: "", scopes: ["tokens:read"] } });
    expect(invalid.status).toBe(400);
    expect(await events(tenant.token)).toEqual(before);
  });
});

describe("a failed audit write fails the change, which leaves nothing behind", () => {
  it("for a token's creation", async () => {
    const tenant = await newTenant();
    const list = async () => (await call("GET", "/api/v1/tokens", { token: tenant.token })).body.tokens.map((t: any) => t.id).sort();
    const before = await list();
    const res = await withAuditFailing(`NEW.team_id = '${tenant.teamId}'`, () =>
      call("POST", "/api/v1/tokens", { token: tenant.token, json: { name: "unrecorded", scopes: ["tokens:read"] } }),
    );
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ success: false, error: "Internal server error", code: "internal" });
    expect(await list()).toEqual(before);
  });

  it("for a token's revocation", async () => {
    const tenant = await newTenant();
    const read = await call("GET", "/api/v1/tokens", { token: tenant.token });
    const readOnly = read.body.tokens.find((t: any) => t.name === "read-only");
    const res = await withAuditFailing(`NEW.team_id = '${tenant.teamId}'`, () =>
      call("DELETE", `/api/v1/tokens/${readOnly.id}`, { token: tenant.token }),
    );
    expect(res.status).toBe(500);
    expect((await call("GET", "/api/v1/projects", { token: tenant.readToken })).status).toBe(200);
  });

  it("for a team's creation: no team, no token, and the slug stays free", async () => {
    const slug = `unrecorded-${unique()}`;
    const res = await withAuditFailing(`NEW.team_id IN (SELECT id FROM teams WHERE slug = '${slug}')`, () =>
      call("POST", "/api/v1/teams", { token: ADMIN_TOKEN, json: { slug, name: "Unrecorded" } }),
    );
    expect(res.status).toBe(500);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM teams WHERE slug = ?").bind(slug).first<{ n: number }>()).toEqual({ n: 0 });
    const again = await call("POST", "/api/v1/teams", { token: ADMIN_TOKEN, json: { slug, name: "Recorded" } });
    expect(again.status).toBe(200);
    const tokens = await env.DB.prepare("SELECT count(*) AS n FROM api_tokens WHERE team_id NOT IN (SELECT id FROM teams)").first<{ n: number }>();
    expect(tokens).toEqual({ n: 0 });
  });

  it("for a manual sweep, which does not run", async () => {
    const res = await withAuditFailing("NEW.action = 'POST /api/v1/admin/renewal-sweep'", () =>
      call("POST", "/api/v1/admin/renewal-sweep", { token: ADMIN_TOKEN, json: { asOf: "2001-02-03T04:05:06Z" } }),
    );
    expect(res.status).toBe(500);
  });
});
