import { describe, expect, it } from "vitest";
import { database } from "../../../src/db/client";
import { createProject } from "../../../src/services/projects";
import { call, env, newProject, newTenant, uniqueDomain } from "../../support/api";

describe("projects: happy path", () => {
  it("creates, lists, gets, renames, changes domain and deletes", async () => {
    const tenant = await newTenant();
    const domain = uniqueDomain();
    const created = await call("POST", "/api/v1/projects", { token: tenant.token, json: { name: "web", domain: domain.toUpperCase() } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: "web", domain });
    const id = created.body.id;

    const list = await call("GET", "/api/v1/projects", { token: tenant.readToken });
    expect(list.body.projects.map((p: any) => p.id)).toEqual([id]);
    expect((await call("GET", `/api/v1/projects/${id}`, { token: tenant.readToken })).body.domain).toBe(domain);

    const other = uniqueDomain();
    const patched = await call("PATCH", `/api/v1/projects/${id}`, { token: tenant.token, json: { name: "web2", domain: other } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: "web2", domain: other });
    // The old name was released when the domain changed.
    const claims = await env.DB.prepare("SELECT domain FROM domain_claims WHERE team_id = ?").bind(tenant.teamId).all();
    expect(claims.results.map((r: any) => r.domain)).toEqual([other]);

    const deleted = await call("DELETE", `/api/v1/projects/${id}`, { token: tenant.token });
    expect(deleted.body).toEqual({ success: true, message: "Project deleted" });
    expect((await call("GET", `/api/v1/projects/${id}`, { token: tenant.token })).status).toBe(404);
  });

  it.each([
    ["Bücher.Example", "xn--bcher-kva.example"],
    ["WWW.Example.COM.", "www.example.com"],
    ["*.Example.org", "*.example.org"],
  ])("normalizes %s to %s", async (input, want) => {
    const tenant = await newTenant();
    const res = await call("POST", "/api/v1/projects", { token: tenant.token, json: { name: "n", domain: input } });
    expect(res.status).toBe(200);
    expect(res.body.domain).toBe(want);
  });
});

describe("projects: errors", () => {
  it.each([
    ["https://example.com", "without scheme, port, path"],
    ["example.com:443", "without scheme, port, path"],
    ["example.com/path", "without scheme, port, path"],
    ["foo.*.example.com", "wildcard is allowed only as the whole left-most label"],
    ["f*o.example.com", "wildcard is allowed only as the whole left-most label"],
    ["localhost", "at least two labels"],
    ["192.168.1.1", "IP addresses are not domain names"],
    ["-bad.example.com", "must be 1-63 letters"],
    ["a..example.com", "must be 1-63 letters"],
    [`${"a".repeat(64)}.example.com`, "must be 1-63 letters"],
    ["", "it is empty"],
    ["exa mple.com", "without scheme, port, path or spaces"],
    ["example.123", "top-level label cannot be numeric"],
  ])("refuses domain %j", async (domain, message) => {
    const tenant = await newTenant();
    const res = await call("POST", "/api/v1/projects", { token: tenant.token, json: { name: "x", domain } });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain(message);
    const list = await call("GET", "/api/v1/projects", { token: tenant.token });
    expect(list.body.projects).toEqual([]);
  });

  it("refuses a second project with the same name", async () => {
    const tenant = await newTenant();
    await call("POST", "/api/v1/projects", { token: tenant.token, json: { name: "same" } });
    const res = await call("POST", "/api/v1/projects", { token: tenant.token, json: { name: "same" } });
    expect(res.status).toBe(409);
  });

  it("refuses the loser of two interleaved creates of one name, releasing the domain it claimed", async () => {
    // Called directly, both creates pass the read-first check before either writes: the insert decides.
    const db = database(env.DB);
    const tenant = await newTenant();
    const domains = [uniqueDomain("race"), uniqueDomain("race")];
    const results = await Promise.allSettled(domains.map((domain) => createProject(db, tenant.teamId, { name: "raced", domain }, Date.now())));
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const loser = results.findIndex((r) => r.status === "rejected");
    expect((results[loser] as PromiseRejectedResult).reason).toMatchObject({ code: "conflict", status: 409, message: 'A project named "raced" already exists' });
    const claim = await env.DB.prepare("SELECT count(*) AS n FROM domain_claims WHERE domain = ?").bind(domains[loser]).first<{ n: number }>();
    expect(claim?.n).toBe(0);
  });

  it("lets one team hold a domain at a time, including through wildcards", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const base = uniqueDomain("zone");
    await newProject(a, `api.${base}`);
    const same = await call("POST", "/api/v1/projects", { token: b.token, json: { name: "steal", domain: `api.${base}` } });
    expect(same.status).toBe(409);
    expect(same.body.error).toBe(`Domain api.${base} is already in use by another team`);
    const wildcard = await call("POST", "/api/v1/projects", { token: b.token, json: { name: "wild", domain: `*.${base}` } });
    expect(wildcard.status).toBe(409);
    // The apex is not covered by a wildcard, and not held by anyone: allowed.
    const apex = await call("POST", "/api/v1/projects", { token: b.token, json: { name: "apex", domain: base } });
    expect(apex.status).toBe(200);
    // The same team may use its own name in two projects.
    const again = await call("POST", "/api/v1/projects", { token: a.token, json: { name: "second", domain: `api.${base}` } });
    expect(again.status).toBe(200);
  });

  it("answers 404 for another team's project on every verb", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const project = await newProject(a);
    for (const [method, json] of [["GET", undefined], ["PATCH", { name: "hijack" }], ["DELETE", undefined]] as const) {
      const res = await call(method, `/api/v1/projects/${project.id}`, { token: b.token, json });
      expect(res.status, method).toBe(404);
      expect(res.text).not.toContain(project.domain!);
    }
    expect((await call("GET", `/api/v1/projects/${project.id}`, { token: a.token })).body.name).toBe(project.name);
  });
});
