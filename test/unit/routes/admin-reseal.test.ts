/** POST /api/v1/admin/reseal: the operator's step after rotating ENCRYPTION_KEY (the rotation itself: test/unit/services/reseal.test.ts). */
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, env, newTenant } from "../../support/api";

describe("POST /api/v1/admin/reseal", () => {
  it("seals every stored secret under the current key, reports what it could not open, and records the action", async () => {
    const res = await call("POST", "/api/v1/admin/reseal", { token: ADMIN_TOKEN });
    expect(res.status, res.text).toBe(200);
    expect(res.body.unreadable).toEqual([]);
    expect(typeof res.body.resealed).toBe("number");
    const recorded = await env.DB.prepare("SELECT team_id, actor, target, detail FROM audit_log WHERE action = 'POST /api/v1/admin/reseal'").all<{ team_id: string; actor: string; target: string; detail: string }>();
    // Recorded before it ran (so without its counts, which are the answer's), in no team's log.
    expect(recorded.results.at(-1)).toEqual({ team_id: "", actor: "operator", target: "", detail: "{}" });
  });

  it("is the operator's alone: a team token with every scope is refused and nothing is sealed", async () => {
    const tenant = await newTenant();
    const res = await call("POST", "/api/v1/admin/reseal", { token: tenant.token });
    expect(res.status).toBe(401);
    expect(res.body.success).toBe(false);
  });
});
