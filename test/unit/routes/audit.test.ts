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
    const actions = log.body.events.map((e: any) => `${e.action} ${e.target}`);
    expect(actions).toEqual([
      `PATCH /api/v1/projects/:id ${project.id}`,
      "POST /api/v1/projects ",
      "POST /api/v1/tokens ",
    ]);
    const tokens = await call("GET", "/api/v1/tokens", { token: tenant.token });
    const bootstrap = tokens.body.tokens.find((t: any) => t.name === "bootstrap");
    expect(log.body.events.every((e: any) => e.actor === bootstrap.id)).toBe(true);
  });

  it("shows a team only its own events, in pages", async () => {
    const a = await newTenant();
    const b = await newTenant();
    for (let i = 0; i < 3; i++) await newProject(a);
    expect((await call("GET", "/api/v1/audit-log", { token: b.token })).body.events.map((e: any) => e.action)).toEqual(["POST /api/v1/tokens"]);
    const first = await call("GET", "/api/v1/audit-log?limit=2", { token: a.token });
    expect(first.body.events).toHaveLength(2);
    expect(first.body.next).not.toBeNull();
    const second = await call("GET", `/api/v1/audit-log?limit=2&before=${first.body.next}`, { token: a.token });
    expect(second.body.events.length).toBeGreaterThan(0);
    const ids = new Set([...first.body.events, ...second.body.events].map((e: any) => e.id));
    expect(ids.size).toBe(first.body.events.length + second.body.events.length);
    // Four events in all (a token and three projects): nothing lost between pages.
    expect(ids.size).toBe(4);
    const bad = await call("GET", "/api/v1/audit-log?before=yesterday", { token: a.token });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("before: must be the `next` cursor of a previous page");
  });
});
