/**
 * `GET /api/v1/audit-log` filters: `action` (exact, or a prefix ending in `/` or `.`), `target` (a project's id also
 * finds its certificate's events), `actor`; combined with each other and with the `before` cursor, and refused
 * with a 400 that names the parameter when malformed.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { call, newProject, newTenant, type Tenant } from "../../support/api";
import { tokenWith } from "../../support/export-checks";
import { makeChain } from "../../support/pki-fixtures";

interface Event {
  id: string;
  actor: string;
  action: string;
  target: string;
}

let tenant: Tenant;
let project: { id: string; domain: string | null };
let other: { id: string };
let certificateId: string;
let second: { id: string; token: string };

const log = async (query: string, token = tenant.token) => {
  const res = await call("GET", `/api/v1/audit-log?${query}`, { token });
  expect(res.status, res.text).toBe(200);
  return res.body as { events: Event[]; next: string | null };
};
const summary = (events: Event[]) => events.map((e) => `${e.action} ${e.target}`);

beforeAll(async () => {
  tenant = await newTenant();
  project = await newProject(tenant);
  other = await newProject(tenant);
  const chain = await makeChain({ key: "EC-P256", names: [project.domain!] });
  const uploaded = await call("POST", `/api/v1/projects/${project.id}/certificate/upload`, { token: tenant.token, json: { certificate: chain.chainPem, privateKey: chain.keyPem } });
  expect(uploaded.status, uploaded.text).toBe(200);
  certificateId = uploaded.body.certificate.id;
  const exported = await call("POST", `/api/v1/projects/${project.id}/certificate/export`, { token: tenant.token });
  expect(exported.status, exported.text).toBe(200);
  // A second token makes changes of its own: two renames of the other project.
  second = await tokenWith(tenant, ["projects:write"]);
  for (const name of ["renamed-once", "renamed-twice"]) {
    expect((await call("PATCH", `/api/v1/projects/${other.id}`, { token: second.token, json: { name } })).status).toBe(200);
  }
});

describe("GET /api/v1/audit-log filters", () => {
  it("target: a certificate's own id finds its events; its project's id finds the project's and its certificate's", async () => {
    expect(summary((await log(`target=${certificateId}`)).events)).toEqual([
      `POST /api/v1/projects/:id/certificate/export ${certificateId}`,
      `POST /api/v1/projects/:id/certificate/upload ${certificateId}`,
    ]);
    expect(summary((await log(`target=${project.id}`)).events)).toEqual([
      `POST /api/v1/projects/:id/certificate/export ${certificateId}`,
      `POST /api/v1/projects/:id/certificate/upload ${certificateId}`,
      `POST /api/v1/projects ${project.id}`,
    ]);
    expect(summary((await log(`target=${other.id}`)).events)).toEqual([`PATCH /api/v1/projects/:id ${other.id}`, `PATCH /api/v1/projects/:id ${other.id}`, `POST /api/v1/projects ${other.id}`]);
    expect((await log("target=prj_nothing")).events).toEqual([]);
  });

  it("another team's ids find nothing, even its project's certificate", async () => {
    const stranger = await newTenant();
    expect((await log(`target=${project.id}`, stranger.token)).events).toEqual([]);
    expect((await log(`target=${certificateId}`, stranger.token)).events).toEqual([]);
  });

  it("action: exact, or a prefix ending in `/` (not a substring match)", async () => {
    expect(summary((await log("action=POST /api/v1/projects")).events)).toEqual([`POST /api/v1/projects ${other.id}`, `POST /api/v1/projects ${project.id}`]);
    expect(summary((await log(`action=${encodeURIComponent("POST /api/v1/projects/")}`)).events)).toEqual([
      `POST /api/v1/projects/:id/certificate/export ${certificateId}`,
      `POST /api/v1/projects/:id/certificate/upload ${certificateId}`,
    ]);
    // A prefix matches at the start only, and an exact value is not a prefix.
    expect((await log("action=projects/")).events).toEqual([]);
    expect((await log("action=POST /api/v1/proj")).events).toEqual([]);
  });

  it("actor: exact; and every filter combines with the others", async () => {
    const byOperator = (await log("actor=operator")).events;
    expect(summary(byOperator)).toEqual([`POST /api/v1/teams ${tenant.teamId}`]);
    expect((await log(`actor=${second.id}`)).events.map((e) => e.action)).toEqual(["PATCH /api/v1/projects/:id", "PATCH /api/v1/projects/:id"]);
    expect((await log(`actor=${second.id}&target=${project.id}`)).events).toEqual([]);
    expect((await log(`actor=${second.id}&target=${other.id}&action=${encodeURIComponent("PATCH /api/v1/projects/:id")}`)).events).toHaveLength(2);
    expect((await log(`target=${project.id}&action=${encodeURIComponent("POST /api/v1/projects/")}&actor=${second.id}`)).events).toEqual([]);
  });

  it("pages a filtered log with the cursor: neither repeated nor skipped, and unfiltered rows never leak in", async () => {
    const all = (await log(`target=${project.id}`)).events;
    const first = await log(`target=${project.id}&limit=2`);
    expect(first.events).toEqual(all.slice(0, 2));
    expect(first.next).not.toBeNull();
    const rest = await log(`target=${project.id}&limit=2&before=${first.next}`);
    expect(rest.events).toEqual(all.slice(2));
    expect(rest.next).toBeNull();
    const byActor = await log(`actor=${second.id}&limit=1`);
    const byActorRest = await log(`actor=${second.id}&limit=1&before=${byActor.next}`);
    expect(new Set([...byActor.events, ...byActorRest.events].map((e) => e.id)).size).toBe(2);
    expect([...byActor.events, ...byActorRest.events].every((e) => e.actor === second.id)).toBe(true);
  });

  it.each([
    ["action", "POST%20%2Fapi%2Fv1%2F*", "action: must be an action as the log records it"],
    ["action", "%25", "action: must be an action as the log records it"],
    ["action", "", "action: must be an action as the log records it"],
    ["target", "prj%20one", "target: must be the id of what changed"],
    ["target", "", "target: must be the id of what changed"],
    ["actor", "x".repeat(256), "actor: must be a token id or `operator`"],
  ])("400 for a malformed %s (%s), naming it", async (name, value, message) => {
    const res = await call("GET", `/api/v1/audit-log?${name}=${value}`, { token: tenant.token });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain(message);
  });
});
