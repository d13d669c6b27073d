/**
 * Fair use against a real Pebble: a team that spends its allowance of calls reaching the CA (CA_CALLS_BURST, its
 * default in this run) gets 429 with Retry-After for the rest, the CA sees no order for them, and another team is
 * unaffected.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { LIMIT_DEFAULTS } from "../../src/core/config";
import { freshDomain, newProject, newTeamToken, obtainHttp01, workerFetch } from "../support/e2e-api";
import { e2e, pebbleNewOrderCount, settledOrderCount } from "../support/pebble-context";

const BURST = LIMIT_DEFAULTS.CA_CALLS_BURST;
/** The bucket refills one call every 3600/CA_CALLS_PER_HOUR seconds (36 s by default). */
const REFILL_MS = 3_600_000 / LIMIT_DEFAULTS.CA_CALLS_PER_HOUR;

let greedy: string;
let other: string;
beforeAll(async () => {
  [greedy, other] = await Promise.all([newTeamToken(), newTeamToken()]);
});

function obtainRaw(token: string, projectId: string): Promise<Response> {
  return workerFetch(`${e2e().workerUrl}/api/v1/projects/${projectId}/certificate/obtain`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ email: "admin@example.com", challengeType: "http-01", keyType: "ec" }),
  });
}

describe("per-team calls to the CA", () => {
  it("past the burst: 429 with Retry-After and no order at the CA; another team still obtains", async () => {
    const projectId = await newProject(greedy, freshDomain("greedy"));
    // Settled: an earlier file's background work (a renewal the queue hands over late on a busy machine) must not
    // land in this test's count as a second order.
    const before = await settledOrderCount();
    const started = Date.now();
    // Concurrent obtains for one certificate join one order, but each is a call that would reach the CA.
    const answers = await Promise.all(Array.from({ length: BURST + 10 }, () => obtainRaw(greedy, projectId)));
    const again = await obtainRaw(greedy, projectId);
    // One token comes back every REFILL_MS: a run slower than that (a busy machine) lets that many more through.
    const refilled = Math.floor((Date.now() - started) / REFILL_MS);
    const all = [...answers, again];
    const through = all.filter((a) => a.status === 200).length;
    expect(through).toBeGreaterThanOrEqual(BURST);
    expect(through).toBeLessThanOrEqual(BURST + refilled);
    const refused = all.filter((a) => a.status === 429);
    expect(refused.length).toBe(all.length - through);
    if (refilled === 0) expect(again.status).toBe(429);
    for (const answer of refused) {
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await answer.json()).toMatchObject({ success: false, code: "rate_limited" });
    }
    // One order for the burst (concurrent obtains join it); a refilled call after it ended may have made another.
    const orders = (await pebbleNewOrderCount()) - before;
    expect(orders).toBeGreaterThanOrEqual(1);
    expect(orders).toBeLessThanOrEqual(1 + refilled);

    const fair = await obtainHttp01(other, await newProject(other, freshDomain("fair")));
    expect(fair.status, fair.text).toBe(200);
  });
});
