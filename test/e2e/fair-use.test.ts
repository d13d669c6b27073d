/**
 * Fair use against a real Pebble: a team that spends its allowance of calls reaching the CA (CA_CALLS_BURST, its
 * default in this run) gets 429 with Retry-After for the rest, the CA sees no order for them, and another team is
 * unaffected.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { LIMIT_DEFAULTS } from "../../src/core/config";
import { freshDomain, newProject, newTeamToken, obtainHttp01, workerFetch } from "../support/e2e-api";
import { e2e, pebbleNewOrderCount } from "../support/pebble-context";

const BURST = LIMIT_DEFAULTS.CA_CALLS_BURST;

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
    const before = await pebbleNewOrderCount();
    // Concurrent obtains for one certificate join one order, but each is a call that would reach the CA.
    const answers = await Promise.all(Array.from({ length: BURST + 10 }, () => obtainRaw(greedy, projectId)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200).length).toBe(BURST);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBe(10);
    for (const answer of refused) {
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await answer.json()).toMatchObject({ success: false, code: "rate_limited" });
    }
    expect((await pebbleNewOrderCount()) - before).toBe(1);

    const refusedAgain = await obtainRaw(greedy, projectId);
    expect(refusedAgain.status).toBe(429);
    expect((await pebbleNewOrderCount()) - before).toBe(1);

    const fair = await obtainHttp01(other, await newProject(other, freshDomain("fair")));
    expect(fair.status, fair.text).toBe(200);
  });
});
