/**
 * POST /api/v1/admin/acme-accounts/rollover and /deactivate: operator only, input checked, recorded before any CA
 * hears of them (the CA side: test/unit/issuance/account-rollover.test.ts and test/e2e/account-rollover.test.ts).
 */
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, env, newTenant } from "../../support/api";

async function auditRows(action: string, teamId: string) {
  const rows = await env.DB.prepare("SELECT actor, target, detail FROM audit_log WHERE action = ? AND team_id = ?").bind(action, teamId).all<{ actor: string; target: string; detail: string }>();
  return rows.results.map((row) => ({ ...row, detail: JSON.parse(row.detail) }));
}

describe("POST /api/v1/admin/acme-accounts/rollover", () => {
  const path = "/api/v1/admin/acme-accounts/rollover";

  it("answers what was rolled over, with a cursor, and records the filter in the team's log", async () => {
    const tenant = await newTenant(); // no account yet: nothing reaches a CA
    const res = await call("POST", path, { token: ADMIN_TOKEN, json: { teamId: tenant.teamId, batchSize: 5 } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ rolledOver: 0, failed: [], next: null });
    expect(await auditRows(`POST ${path}`, tenant.teamId)).toEqual([
      { actor: "operator", target: tenant.teamId, detail: { teamId: tenant.teamId, directoryUrl: null, after: null, batchSize: 5 } },
    ]);
  });

  it("refuses a team token, unknown fields and an unbounded batch", async () => {
    const tenant = await newTenant();
    expect((await call("POST", path, { token: tenant.token, json: {} })).status).toBe(401);
    expect((await call("POST", path, { token: ADMIN_TOKEN, json: { teamId: tenant.teamId, key: "x" } })).status).toBe(400);
    expect((await call("POST", path, { token: ADMIN_TOKEN, json: { batchSize: 1000 } })).status).toBe(400);
    expect((await call("POST", path, { token: ADMIN_TOKEN, json: { directoryUrl: "not a url" } })).status).toBe(400);
    expect(await auditRows(`POST ${path}`, tenant.teamId)).toEqual([]);
  });
});

describe("POST /api/v1/admin/acme-accounts/deactivate", () => {
  const path = "/api/v1/admin/acme-accounts/deactivate";

  it("answers what was deactivated and records the action in the team's log", async () => {
    const tenant = await newTenant();
    const res = await call("POST", path, { token: ADMIN_TOKEN, json: { teamId: tenant.teamId } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ deactivated: 0, failed: [] });
    expect(await auditRows(`POST ${path}`, tenant.teamId)).toEqual([{ actor: "operator", target: tenant.teamId, detail: {} }]);
  });

  it("an unknown team is 404; a team token is refused", async () => {
    const tenant = await newTenant();
    expect((await call("POST", path, { token: ADMIN_TOKEN, json: { teamId: "team_nobody" } })).status).toBe(404);
    expect((await call("POST", path, { token: tenant.token, json: { teamId: tenant.teamId } })).status).toBe(401);
    expect((await call("POST", path, { token: ADMIN_TOKEN, json: {} })).status).toBe(400);
  });
});
