import { describe, expect, it } from "vitest";
import { database } from "../../../src/db/client";
import { commitWithAudit } from "../../../src/http/audited-commit";
import { createProject, updateProject } from "../../../src/services/projects";
import { call, env, newProject, newTenant, uniqueDomain } from "../../support/api";

/** The audited commit a route hands the service, under an action of this test's own: its rows are this test's. */
function audited() {
  const action = `RACE ${crypto.randomUUID()}`;
  const commit = commitWithAudit(database(env.DB), { actor: "tok_race", action }, Date.now);
  const targets = async () =>
    (await env.DB.prepare("SELECT target FROM audit_log WHERE action = ?").bind(action).all<{ target: string }>()).results.map((row) => row.target);
  return { commit, targets };
}

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
    const { commit, targets } = audited();
    const results = await Promise.allSettled(domains.map((domain) => createProject(db, tenant.teamId, { name: "raced", domain }, Date.now(), commit)));
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const loser = results.findIndex((r) => r.status === "rejected");
    expect((results[loser] as PromiseRejectedResult).reason).toMatchObject({ code: "conflict", status: 409, message: 'A project named "raced" already exists' });
    const claim = await env.DB.prepare("SELECT count(*) AS n FROM domain_claims WHERE domain = ?").bind(domains[loser]).first<{ n: number }>();
    expect(claim?.n).toBe(0);
    // The batch that created nothing wrote no audit row either: only the winner's is there.
    const winner = (results[1 - loser] as PromiseFulfilledResult<{ id: string }>).value;
    expect(await targets()).toEqual([winner.id]);
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

describe("projects: public suffixes (Public Suffix List)", () => {
  const label = () => `u${crypto.randomUUID().slice(0, 8)}`;

  it.each([
    ["co.uk", "it is a public suffix (Public Suffix List)"],
    ["COM.AU", "it is a public suffix (Public Suffix List)"],
    ["github.io", "it is a public suffix (Public Suffix List)"],
    ["s3.amazonaws.com", "it is a public suffix (Public Suffix List)"],
    ["公司.cn", "it is a public suffix (Public Suffix List)"],
    ["*.co.uk", "it covers every name registered directly under co.uk, a public suffix (Public Suffix List)"],
    ["*.github.io", "it covers every name registered directly under github.io, a public suffix (Public Suffix List)"],
  ])("refuses %s on create and on update with a 400 naming the field, claiming nothing", async (domain, why) => {
    const tenant = await newTenant();
    const created = await call("POST", "/api/v1/projects", { token: tenant.token, json: { name: "suffix", domain } });
    expect(created.status).toBe(400);
    expect(created.body).toMatchObject({ success: false, code: "validation_failed" });
    expect(created.body.error).toMatch(/^domain: "[^"]+" cannot be claimed: /);
    expect(created.body.error).toContain(why);

    const project = await newProject(tenant);
    const updated = await call("PATCH", `/api/v1/projects/${project.id}`, { token: tenant.token, json: { domain } });
    expect(updated.status).toBe(400);
    expect(updated.body.error).toContain(why);
    expect((await call("GET", `/api/v1/projects/${project.id}`, { token: tenant.token })).body.domain).toBe(project.domain);
    const claims = await env.DB.prepare("SELECT domain FROM domain_claims WHERE team_id = ?").bind(tenant.teamId).all();
    expect(claims.results.map((r: any) => r.domain)).toEqual([project.domain]);
  });

  it("accepts names registered under a public suffix, and wildcards under them", async () => {
    const tenant = await newTenant();
    for (const domain of [`${label()}.co.uk`, `${label()}.github.io`, `*.${label()}.github.io`, `*.${label()}.co.uk`]) {
      const res = await call("POST", "/api/v1/projects", { token: tenant.token, json: { name: label(), domain } });
      expect(res.status, `${domain}: ${res.text}`).toBe(200);
    }
  });
});

describe("projects: claims are atomic and a failed change leaves none behind", () => {
  it.each(["the wildcard first", "the name first"])("two teams racing for a wildcard and a name under it: exactly one wins (%s)", async (order) => {
    const db = database(env.DB);
    const [a, b] = [await newTenant(), await newTenant()];
    const base = uniqueDomain("overlap");
    const { commit, targets } = audited();
    const claims = [
      () => createProject(db, a.teamId, { name: "wild", domain: `*.${base}` }, Date.now(), commit),
      () => createProject(db, b.teamId, { name: "api", domain: `api.${base}` }, Date.now(), commit),
    ];
    if (order === "the name first") claims.reverse();
    const results = await Promise.allSettled(claims.map((claim) => claim()));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: "domain_taken", status: 409 });
    const held = await env.DB.prepare("SELECT count(*) AS n FROM domain_claims WHERE domain IN (?, ?)").bind(`*.${base}`, `api.${base}`).first<{ n: number }>();
    expect(held?.n).toBe(1);
    const won = results.find((r) => r.status === "fulfilled") as PromiseFulfilledResult<{ id: string }>;
    expect(await targets()).toEqual([won.value.id]);
  });

  it("a create that fails after its claim (a name conflict) leaves the domain claimable by another team", async () => {
    const db = database(env.DB);
    const [tenant, other] = [await newTenant(), await newTenant()];
    const domains = [uniqueDomain("lost"), uniqueDomain("lost")];
    const results = await Promise.allSettled(domains.map((domain) => createProject(db, tenant.teamId, { name: "same", domain }, Date.now(), audited().commit)));
    const loser = results.findIndex((r) => r.status === "rejected");
    expect(loser).toBeGreaterThanOrEqual(0);
    const claimed = await call("POST", "/api/v1/projects", { token: other.token, json: { name: "free", domain: domains[loser] } });
    expect(claimed.status, claimed.text).toBe(200);
  });

  it("an update that fails after its claim (a rename racing another) is a 409 and leaves the new domain claimable", async () => {
    const db = database(env.DB);
    const [tenant, other] = [await newTenant(), await newTenant()];
    const [first, second] = [await newProject(tenant), await newProject(tenant)];
    const next = uniqueDomain("next");
    const { commit, targets } = audited();
    const results = await Promise.allSettled([
      updateProject(db, tenant.teamId, second.id, { name: "taken" }, Date.now(), commit),
      updateProject(db, tenant.teamId, first.id, { name: "taken", domain: next }, Date.now(), commit),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected"]);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: "conflict", status: 409, message: 'A project named "taken" already exists' });
    expect((await call("GET", `/api/v1/projects/${first.id}`, { token: tenant.token })).body).toMatchObject({ name: first.name, domain: first.domain });
    expect(await targets()).toEqual([second.id]);
    const claimed = await call("POST", "/api/v1/projects", { token: other.token, json: { name: "free", domain: next } });
    expect(claimed.status, claimed.text).toBe(200);
  });

  it("a domain change refused because another team holds the name keeps the old domain and claim", async () => {
    const [a, b] = [await newTenant(), await newTenant()];
    const theirs = await newProject(b);
    const mine = await newProject(a);
    const res = await call("PATCH", `/api/v1/projects/${mine.id}`, { token: a.token, json: { domain: theirs.domain } });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe(`Domain ${theirs.domain} is already in use by another team`);
    const claims = await env.DB.prepare("SELECT domain FROM domain_claims WHERE team_id = ?").bind(a.teamId).all();
    expect(claims.results.map((r: any) => r.domain)).toEqual([mine.domain]);
    // Its batch ran and changed nothing: no audit row says it did.
    const log = await call("GET", "/api/v1/audit-log", { token: a.token });
    expect(log.body.events.map((e: { action: string }) => e.action)).not.toContain("PATCH /api/v1/projects/:id");
  });
});
