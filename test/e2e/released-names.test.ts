/** A name a team gave up is never renewed on its ACME account: against a real Pebble, the sweep orders nothing for it. */
import { beforeAll, describe, expect, it } from "vitest";
import { api, eventually, freshDomain, newProject, newTeamToken, obtainHttp01 } from "../support/e2e-api";
import { e2e, pebbleNewOrderCount, settledOrderCount } from "../support/pebble-context";

const DAY = 86_400_000;

let teamA: string;
let teamB: string;
beforeAll(async () => {
  [teamA, teamB] = await Promise.all([newTeamToken(), newTeamToken()]);
});

const sweep = (asOf: number) => api("POST", "/api/v1/admin/renewal-sweep", e2e().adminToken, { asOf: new Date(asOf).toISOString(), batchSize: 200 });

describe("a released name", () => {
  it("team A's /v8/certs certificate stops renewing when A deletes the project; after B claims the name the sweep orders nothing for it", async () => {
    const name = freshDomain("released");
    const projectA = await newProject(teamA, name);
    const issued = await api("POST", "/v8/certs", teamA, { cns: [name] });
    expect(issued.status, issued.text).toBe(200);
    expect(issued.body.autoRenew).toBe(true);
    // A's certificate for a name it keeps, issued just after: due no earlier than the released one.
    const kept = await newProject(teamA, freshDomain("kept"));
    expect((await obtainHttp01(teamA, kept)).status).toBe(200);
    const control = (await api("GET", `/api/v1/projects/${kept}/certificate`, teamA)).body;

    expect((await api("DELETE", `/api/v1/projects/${projectA}`, teamA)).status).toBe(200);
    expect((await api("GET", `/v8/certs/${issued.body.id}`, teamA)).body.autoRenew).toBe(false);
    const projectB = await newProject(teamB, name);

    // A day before the control expires, every certificate of that lifetime is due (a twentieth of it at most remains).
    const before = await settledOrderCount();
    const tick = await sweep(Date.parse(control.expiresAt) - DAY);
    expect(tick.status, tick.text).toBe(200);
    expect(tick.body.ids).toContain(control.id);
    expect(tick.body.ids).not.toContain(issued.body.id);
    // Every certificate the tick handed off orders once; nothing is ordered for the released name. The queue hands
    // them over a batch at a time, and on a loaded machine a batch can start later than the settle window: wait for
    // all of them first, then for quiet, which shows nothing more was ordered.
    await eventually(async () => ((await pebbleNewOrderCount()) - before >= tick.body.due ? true : undefined), 120_000);
    expect((await settledOrderCount()) - before).toBe(tick.body.due);
    const renewed = await eventually(async () => {
      const c = (await api("GET", `/api/v1/projects/${kept}/certificate`, teamA)).body;
      return c.serial !== control.serial ? c : undefined;
    });
    expect(renewed.id).toBe(control.id);
    expect((await api("GET", `/v8/certs/${issued.body.id}`, teamA)).body).toMatchObject({ id: issued.body.id, autoRenew: false, expiresAt: issued.body.expiresAt });

    // The name is B's now: B obtains it on B's own account.
    const obtained = await obtainHttp01(teamB, projectB);
    expect(obtained.status, obtained.text).toBe(200);
  }, 240_000);
});
