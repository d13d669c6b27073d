/** The per-team CA-call limit through its Durable Object: one balance per team, strongly consistent, 429 with Retry-After. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import { depsFrom } from "../../../src/deps";
import { takeCaCall } from "../../../src/services/limits/ca-calls";

let teams = 0;
const newTeamId = () => `team_limits_${Date.now().toString(36)}_${teams++}`;

/** The Worker's dependencies with a small bucket (3 at once, one a minute) and a clock the test moves. */
function limitedDeps(start = Date.now()) {
  const base = depsFrom(env);
  const clock = { t: start, now: () => clock.t };
  return { deps: { ...base, clock, config: { ...base.config, CA_CALLS_BURST: 3, CA_CALLS_PER_HOUR: 60 } }, clock };
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("takeCaCall", () => {
  it("lets the burst through, then refuses with 429 rate_limited and when to retry", async () => {
    const { deps, clock } = limitedDeps();
    const team = newTeamId();
    for (let i = 0; i < 3; i++) await takeCaCall(deps, team);
    const error = await refusal(takeCaCall(deps, team));
    expect(error).toMatchObject({ code: "rate_limited", status: 429, retryAfter: 60 });
    expect(error.message).toBe("Too many certificate orders from this team: 3 at once and 60 per hour reach the CA; retry in 60 s");
    clock.t += 60_000;
    await takeCaCall(deps, team);
  });

  it("keeps each team's balance apart", async () => {
    const { deps } = limitedDeps();
    const [busy, other] = [newTeamId(), newTeamId()];
    for (let i = 0; i < 3; i++) await takeCaCall(deps, busy);
    await refusal(takeCaCall(deps, busy));
    await takeCaCall(deps, other);
  });

  it("is strongly consistent: of many concurrent calls, exactly the burst gets through", async () => {
    const { deps } = limitedDeps();
    const team = newTeamId();
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => takeCaCall(deps, team)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    for (const r of results) if (r.status === "rejected") expect((r.reason as AppError).code).toBe("rate_limited");
  });

  it("is what deps.limits.takeCaCall runs, with the configured limits", async () => {
    const deps = depsFrom(env);
    const team = newTeamId();
    for (let i = 0; i < deps.config.CA_CALLS_BURST; i++) await deps.limits.takeCaCall(team);
    expect((await refusal(deps.limits.takeCaCall(team))).code).toBe("rate_limited");
  });
});
