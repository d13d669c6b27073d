/** The per-team CA-call limit through its Durable Object: one balance per team, strongly consistent, 429 with Retry-After. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import { parseConfig } from "../../../src/core/config";
import { bytesToBase64 } from "../../../src/crypto/encoding";
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

  it("by default lets a platform's burst through: 40 concurrent calls all pass, and Let's Encrypt's 300 per 3 hours", async () => {
    const base = depsFrom(env);
    // Only what a deployment must set: every limit at its default.
    const config = parseConfig({
      ADMIN_TOKEN: "a-real-operator-token-0123456789",
      ENCRYPTION_KEY: bytesToBase64(crypto.getRandomValues(new Uint8Array(32))),
      ACME_DIRECTORY_URL: "https://acme-v02.api.letsencrypt.org/directory",
      ACME_STAGING_DIRECTORY_URL: "https://acme-staging-v02.api.letsencrypt.org/directory",
      DOH_RESOLVER_URL: "https://cloudflare-dns.com/dns-query",
    });
    expect(config).toMatchObject({ CA_CALLS_BURST: 300, CA_CALLS_PER_HOUR: 100, CERTIFICATES_PER_TEAM: 100_000 });
    const clock = { t: Date.now(), now: () => clock.t };
    const deps = { ...base, clock, config };
    const team = newTeamId();

    const onboarding = await Promise.allSettled(Array.from({ length: 40 }, () => takeCaCall(deps, team)));
    expect(onboarding.filter((r) => r.status === "fulfilled")).toHaveLength(40);
    for (let i = 40; i < 300; i++) await takeCaCall(deps, team);
    // 100 an hour: the next one comes 36 s later.
    const error = await refusal(takeCaCall(deps, team));
    expect(error).toMatchObject({ code: "rate_limited", status: 429, retryAfter: 36 });
    clock.t += 36_000;
    await takeCaCall(deps, team);
  });

  it("is what deps.limits.takeCaCall runs, with the configured limits", async () => {
    const deps = depsFrom(env);
    const team = newTeamId();
    for (let i = 0; i < deps.config.CA_CALLS_BURST; i++) await deps.limits.takeCaCall(team);
    expect((await refusal(deps.limits.takeCaCall(team))).code).toBe("rate_limited");
  });
});
