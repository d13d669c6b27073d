/** `GET /api/v1/certificates`: the team's whole inventory (project and team-level), scopes, pages, and nothing of another team. */
import { beforeAll, describe, expect, it } from "vitest";
import { call, env, newProject, newTenant, type Tenant } from "../../support/api";
import { countingIsolate } from "../../support/d1-count";
import { tokenWith } from "../../support/export-checks";
import { dayMs, makeChain } from "../../support/pki-fixtures";

const INVENTORY = "/api/v1/certificates";

/** A project of `tenant` with an uploaded certificate valid from `notBefore` to `notAfter`; the stored certificate. */
async function projectCertificate(tenant: Tenant, notBefore = new Date(Date.now() - dayMs), notAfter?: Date) {
  const project = await newProject(tenant);
  const chain = await makeChain({ names: [project.domain!], notBefore, notAfter });
  const res = await call("POST", `/api/v1/projects/${project.id}/certificate/upload`, {
    token: tenant.token,
    json: { certificate: chain.fullPem, privateKey: chain.keyPem },
  });
  expect(res.status, res.text).toBe(200);
  return { projectId: project.id, domain: project.domain!, certificate: res.body.certificate, notAfter: chain.leaf.notAfter };
}

/** A team-level certificate (Vercel `PUT /v8/certs`) for a name the team holds through a project. */
async function teamCertificate(tenant: Tenant) {
  const domain = (await newProject(tenant)).domain!;
  const chain = await makeChain({ names: [domain] });
  const res = await call("PUT", "/v8/certs", { token: tenant.token, json: { cert: chain.leafPem, key: chain.keyPem, ca: chain.intermediatePem! + chain.rootPem } });
  expect(res.status, res.text).toBe(200);
  return { id: res.body.id as string, domain };
}

/** Every certificate of the inventory, page by page, and the pages' sizes. */
async function allPages(token: string, limit: number) {
  const ids: string[] = [];
  const sizes: number[] = [];
  let before: string | null = null;
  do {
    const query: string = `?limit=${limit}${before ? `&before=${encodeURIComponent(before)}` : ""}`;
    const res = await call("GET", INVENTORY + query, { token });
    expect(res.status, res.text).toBe(200);
    ids.push(...res.body.certificates.map((c: { id: string }) => c.id));
    sizes.push(res.body.certificates.length);
    before = res.body.next;
  } while (before !== null && sizes.length < 20);
  return { ids, sizes };
}

let tenant: Tenant;
let stranger: Tenant;
let project: Awaited<ReturnType<typeof projectCertificate>>;
let expiring: Awaited<ReturnType<typeof projectCertificate>>;
let team: Awaited<ReturnType<typeof teamCertificate>>;
let strangers: string[];

beforeAll(async () => {
  [tenant, stranger] = await Promise.all([newTenant(), newTenant()]);
  project = await projectCertificate(tenant);
  // 80 days into a 90-day life: inside the last 30 days, so expiring soon; half a day off the day boundary.
  const issued = Date.now() - 80 * dayMs;
  expiring = await projectCertificate(tenant, new Date(issued), new Date(Date.now() + 5.5 * dayMs));
  team = await teamCertificate(tenant);
  strangers = [(await projectCertificate(stranger)).certificate.id, (await teamCertificate(stranger)).id];
});

describe("GET /api/v1/certificates", () => {
  it("lists the team's project and team-level certificates with status, days left and renewal state, and no key material", async () => {
    const res = await call("GET", INVENTORY, { token: tenant.readToken });
    expect(res.status).toBe(200);
    expect(res.body.next).toBeNull();
    const byId = new Map(res.body.certificates.map((c: { id: string }) => [c.id, c]));
    expect([...byId.keys()].sort()).toEqual([project.certificate.id, expiring.certificate.id, team.id].sort());

    const now = Date.now();
    const daysLeft = (notAfter: Date) => Math.floor((notAfter.getTime() - now) / dayMs);
    expect(byId.get(project.certificate.id)).toEqual({
      id: project.certificate.id,
      projectId: project.projectId,
      domain: project.domain,
      names: [project.domain],
      type: "custom",
      status: "valid",
      issuer: project.certificate.issuer,
      issuedAt: project.certificate.issuedAt,
      expiresAt: project.certificate.expiresAt,
      daysLeft: daysLeft(project.notAfter),
      autoRenew: false,
      nextRenewalAt: null,
      renewalFailures: 0,
      queuedForRenewal: false,
      lastRenewAttempt: null,
      lastRenewError: null,
    });
    expect(byId.get(expiring.certificate.id)).toMatchObject({ status: "expiring_soon", daysLeft: 5, projectId: expiring.projectId });
    expect(byId.get(team.id)).toMatchObject({ projectId: null, domain: team.domain, type: "custom", status: "valid" });
    expect(res.text).not.toMatch(/BEGIN|sealed|certificatePem|chainPem/);
  });

  it("shows the renewal state as stored: next renewal, failures in a row, the last error, on the queue", async () => {
    const { certificate } = await projectCertificate(tenant);
    const now = Date.now();
    await env.DB.prepare(
      "UPDATE certificates SET next_renewal_at = ?, renewal_failures = 3, last_renew_error = ?, last_renew_attempt = ?, renewal_queued_until = ? WHERE id = ?",
    )
      .bind(now + 2 * dayMs, "CA said no", now - 60_000, now + 600_000, certificate.id)
      .run();
    const res = await call("GET", INVENTORY, { token: tenant.readToken });
    const row = res.body.certificates.find((c: { id: string }) => c.id === certificate.id);
    expect(row).toMatchObject({
      nextRenewalAt: new Date(now + 2 * dayMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
      renewalFailures: 3,
      lastRenewError: "CA said no",
      lastRenewAttempt: new Date(now - 60_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
      queuedForRenewal: true,
    });
    // A claim that has run out is no longer on the queue.
    await env.DB.prepare("UPDATE certificates SET renewal_queued_until = ? WHERE id = ?").bind(now - 1, certificate.id).run();
    const later = await call("GET", INVENTORY, { token: tenant.readToken });
    expect(later.body.certificates.find((c: { id: string }) => c.id === certificate.id).queuedForRenewal).toBe(false);
    await env.DB.prepare("DELETE FROM certificates WHERE id = ?").bind(certificate.id).run();
  });

  it("never shows another team's certificates, whichever team asks", async () => {
    const mine = (await call("GET", INVENTORY, { token: tenant.token })).body.certificates.map((c: { id: string }) => c.id);
    const theirs = (await call("GET", INVENTORY, { token: stranger.token })).body.certificates.map((c: { id: string }) => c.id);
    expect(theirs.sort()).toEqual([...strangers].sort());
    for (const id of strangers) expect(mine).not.toContain(id);
    // A cursor made from another team's certificate is only a position: it reveals nothing of theirs.
    const theirRow = await env.DB.prepare("SELECT created_at FROM certificates WHERE id = ?").bind(strangers[0]).first<{ created_at: number }>();
    const res = await call("GET", `${INVENTORY}?before=${theirRow!.created_at + 1}_${strangers[0]}`, { token: tenant.token });
    expect(res.status).toBe(200);
    for (const c of res.body.certificates) expect(strangers).not.toContain(c.id);
  });

  it.each([[["projects:read"]], [["projects:write"]], [["tokens:read", "organization:read", "webhooks:read"]]])(
    "403 for a token with only %j: it lacks certs:read",
    async (scopes) => {
      const { token } = await tokenWith(tenant, scopes);
      const res = await call("GET", INVENTORY, { token });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ success: false, code: "forbidden", error: "This token lacks the certs:read scope" });
    },
  );

  it("200 for certs:read alone: every certificate, project and team-level, as the bootstrap token sees them", async () => {
    const { token } = await tokenWith(tenant, ["certs:read"]);
    const res = await call("GET", INVENTORY, { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual((await call("GET", INVENTORY, { token: tenant.token })).body);
    expect(res.body.certificates).toHaveLength(3);
    expect(res.body.certificates.filter((c: { projectId: string | null }) => c.projectId !== null).length).toBeGreaterThan(0);
    // It still reads no project: projects:read is what those routes need.
    expect((await call("GET", "/api/v1/projects", { token })).status).toBe(403);
  });

  it("200 for certs:write (a write scope covers its read); 401 without a token", async () => {
    const { token } = await tokenWith(tenant, ["certs:write"]);
    expect((await call("GET", INVENTORY, { token })).body.certificates).toHaveLength(3);
    expect((await call("GET", INVENTORY)).status).toBe(401);
  });
});

describe("pages", () => {
  let paged: Tenant;
  let created: string[];

  beforeAll(async () => {
    paged = await newTenant();
    created = [];
    for (let i = 0; i < 3; i++) created.push((await projectCertificate(paged)).certificate.id);
    for (let i = 0; i < 2; i++) created.push((await teamCertificate(paged)).id);
  });

  it("walks every certificate once, newest first, with `next` null on the last page", async () => {
    const { ids, sizes } = await allPages(paged.token, 2);
    expect(sizes).toEqual([2, 2, 1]);
    expect(ids).toEqual([...created].reverse());
  });

  it("splits certificates created in the same millisecond without losing or repeating one", async () => {
    const tied = await newTenant();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await projectCertificate(tied)).certificate.id);
    await env.DB.prepare("UPDATE certificates SET created_at = 1700000000000 WHERE team_id = ?").bind(tied.teamId).run();
    const walked = await allPages(tied.token, 3);
    expect(walked.sizes).toEqual([3, 1]);
    expect(walked.ids).toEqual([...ids].sort().reverse());
  });

  it("answers a limit of exactly the count with one page and no `next`", async () => {
    const res = await call("GET", `${INVENTORY}?limit=5`, { token: paged.token });
    expect(res.body.certificates).toHaveLength(5);
    expect(res.body.next).toBeNull();
  });

  it.each([
    ["before=abc", "before: must be the `next` cursor of a previous page"],
    ["before=12_", "before: must be the `next` cursor of a previous page"],
    ["before=_cert_x", "before: must be the `next` cursor of a previous page"],
    ["before=1700000000000_cert%2Fx", "before: must be the `next` cursor of a previous page"],
    ["limit=0", "limit: must be at least 1"],
    ["limit=201", "limit: must be at most 200"],
  ])("400 for ?%s", async (query, message) => {
    const res = await call("GET", `${INVENTORY}?${query}`, { token: paged.token });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, code: "validation_failed", error: message });
  });

  it.each([["limit=1.5"], ["limit=abc"]])("400 naming the limit for ?%s", async (query) => {
    const res = await call("GET", `${INVENTORY}?${query}`, { token: paged.token });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, code: "validation_failed", error: expect.stringMatching(/^limit: /) });
  });

  it("costs one D1 statement per page, read through certificates_team_idx", async () => {
    const isolate = countingIsolate();
    // Warm the token in this isolate, so the page's own statements are all that is counted.
    await isolate.request("GET", "/api/v1/team", paged.readToken);
    const first = await isolate.request("GET", `${INVENTORY}?limit=2`, paged.readToken);
    const second = await isolate.request("GET", `${INVENTORY}?limit=2&before=${encodeURIComponent(first.body.next)}`, paged.readToken);
    for (const page of [first, second]) {
      expect(page.status).toBe(200);
      expect(page.statements).toHaveLength(1);
      const sql = page.statements[0]!;
      const placeholders = sql.match(/\?/g)?.length ?? 0;
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...Array.from({ length: placeholders }, () => 0))
        .all<{ detail: string }>();
      const details = plan.results.map((row) => row.detail).join("\n");
      expect(details).toContain("USING INDEX certificates_team_idx");
      expect(details).not.toMatch(/SCAN certificates(?! USING)/);
    }
  });
});
