import { describe, expect, it } from "vitest";
import { call, newProject, newTenant } from "../../support/api";

describe("audit log", () => {
  it("records each successful change with the token that made it, not failures or reads", async () => {
    const tenant = await newTenant();
    const project = await newProject(tenant);
    await call("PATCH", `/api/v1/projects/${project.id}`, { token: tenant.token, json: { name: "renamed" } });
    await call("PATCH", `/api/v1/projects/${project.id}`, { token: tenant.token, json: { name: "Not Valid" } });
    await call("GET", `/api/v1/projects/${project.id}`, { token: tenant.token });
    const log = await call("GET", "/api/v1/audit-log", { token: tenant.readToken });
    expect(log.status).toBe(200);
    const tokens = await call("GET", "/api/v1/tokens", { token: tenant.token });
    const bootstrap = tokens.body.tokens.find((t: any) => t.name === "bootstrap");
    const readOnly = tokens.body.tokens.find((t: any) => t.name === "read-only");
    const actions = log.body.events.map((e: any) => `${e.actor} ${e.action} ${e.target}`);
    expect(actions).toEqual([
      `${bootstrap.id} PATCH /api/v1/projects/:id ${project.id}`,
      `${bootstrap.id} POST /api/v1/projects ${project.id}`,
      `${bootstrap.id} POST /api/v1/tokens ${readOnly.id}`,
      `operator POST /api/v1/teams ${tenant.teamId}`,
    ]);
  });

  it("shows a team only its own events, in pages", async () => {
    const a = await newTenant();
    const b = await newTenant();
    for (let i = 0; i < 3; i++) await newProject(a);
    expect((await call("GET", "/api/v1/audit-log", { token: b.token })).body.events.map((e: any) => e.action)).toEqual([
      "POST /api/v1/tokens",
      "POST /api/v1/teams",
    ]);
    const first = await call("GET", "/api/v1/audit-log?limit=2", { token: a.token });
    expect(first.body.events).toHaveLength(2);
    expect(first.body.next).not.toBeNull();
    const second = await call("GET", `/api/v1/audit-log?limit=2&before=${first.body.next}`, { token: a.token });
    const third = await call("GET", `/api/v1/audit-log?limit=2&before=${second.body.next}`, { token: a.token });
    expect(third.body.next).toBeNull();
    const pages = [...first.body.events, ...second.body.events, ...third.body.events];
    const ids = new Set(pages.map((e: any) => e.id));
    expect(ids.size).toBe(pages.length);
    // Five events in all (the team, a token and three projects): nothing lost between pages.
    expect(ids.size).toBe(5);
    const bad = await call("GET", "/api/v1/audit-log?before=yesterday", { token: a.token });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("before: must be the `next` cursor of a previous page");
  });
});
