/**
 * The CA's order budget (services/limits/acme-orders.ts) through the team's limiter Durable Object: `takeAll` takes a
 * token from every bucket or from none, and answers the longest wait; the budget spends the account's bucket and the
 * name set's bucket together, one balance per team and per directory.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config";
import { depsFrom } from "../../../src/deps";
import type { OrderBudgetAnswer, OrderToPlace } from "../../../src/issuance/order-budget";
import { teamLimiterName } from "../../../src/objects/team-limiter";
import { orderBudget } from "../../../src/services/limits/acme-orders";
import type { BucketPolicy, TeamLimiterRpc } from "../../../src/services/limits/token-bucket";

const HOUR_MS = 3_600_000;
const WEEK_S = 7 * 24 * 3600;

let teams = 0;
const newTeamId = () => `team_orders_${Date.now().toString(36)}_${teams++}`;

function limiterStub(teamId: string) {
  return env.TEAM_LIMITER.get(env.TEAM_LIMITER.idFromName(teamLimiterName(teamId)));
}
const limiter = (teamId: string) => limiterStub(teamId) as unknown as TeamLimiterRpc;

/** The buckets as the object stores them (name → tokens, updated_at). */
async function storedBuckets(teamId: string): Promise<Record<string, { tokens: number; updatedAt: number }>> {
  return runInDurableObject(limiterStub(teamId), (_object, state: DurableObjectState) => {
    const rows = state.storage.sql.exec<{ name: string; tokens: number; updated_at: number }>("SELECT name, tokens, updated_at FROM buckets").toArray();
    return Object.fromEntries(rows.map((row) => [row.name, { tokens: row.tokens, updatedAt: row.updated_at }]));
  });
}

describe("TeamLimiter.takeAll", () => {
  const one = (refillPerHour: number): BucketPolicy => ({ capacity: 1, refillPerHour });

  it("takes one token from every bucket when each has one", async () => {
    const team = newTeamId();
    const t0 = Date.now();
    const result = await limiter(team).takeAll(
      [
        { bucket: "a", policy: { capacity: 3, refillPerHour: 60 } },
        { bucket: "b", policy: { capacity: 5, refillPerHour: 60 } },
      ],
      t0,
    );
    // The smallest balance left is what it answers.
    expect(result).toEqual({ ok: true, remaining: 2 });
    expect(await storedBuckets(team)).toEqual({ a: { tokens: 2, updatedAt: t0 }, b: { tokens: 4, updatedAt: t0 } });
  });

  it("is all or nothing: when one bucket is empty, the other keeps its tokens", async () => {
    const team = newTeamId();
    const t0 = Date.now();
    const small = { bucket: "small", policy: one(60) };
    const roomy = { bucket: "roomy", policy: { capacity: 3, refillPerHour: 60 } };
    expect((await limiter(team).takeAll([small, roomy], t0)).ok).toBe(true);
    const before = await storedBuckets(team);
    expect(before.roomy).toEqual({ tokens: 2, updatedAt: t0 });

    // Refused three times: none of them spends the roomy bucket's tokens (nor writes anything at all).
    for (let i = 0; i < 3; i++) {
      expect(await limiter(team).takeAll([small, roomy], t0 + i)).toEqual({ ok: false, retryAfterSeconds: 60, limitIndex: 0 });
    }
    expect(await storedBuckets(team)).toEqual(before);
    // Both of its tokens are still there for a call that takes from it alone.
    expect(await limiter(team).take("roomy", roomy.policy, t0)).toEqual({ ok: true, remaining: 1 });
    expect(await limiter(team).take("roomy", roomy.policy, t0)).toEqual({ ok: true, remaining: 0 });
    expect((await limiter(team).take("roomy", roomy.policy, t0)).ok).toBe(false);
  });

  it("answers the longest wait and the index of the bucket that imposed it", async () => {
    const team = newTeamId();
    const t0 = Date.now();
    const fast = { bucket: "fast", policy: one(60) }; // a token a minute
    const slow = { bucket: "slow", policy: one(6) }; // one every 10 minutes
    expect((await limiter(team).takeAll([fast, slow], t0)).ok).toBe(true);

    expect(await limiter(team).takeAll([fast, slow], t0)).toEqual({ ok: false, retryAfterSeconds: 600, limitIndex: 1 });
    expect(await limiter(team).takeAll([slow, fast], t0)).toEqual({ ok: false, retryAfterSeconds: 600, limitIndex: 0 });
    // Two minutes on, the fast one has refilled: the slow one alone refuses, with what is left of its wait.
    expect(await limiter(team).takeAll([fast, slow], t0 + 120_000)).toEqual({ ok: false, retryAfterSeconds: 480, limitIndex: 1 });
    // Ten minutes on, both have a token again.
    expect(await limiter(team).takeAll([fast, slow], t0 + 600_000)).toEqual({ ok: true, remaining: 0 });
  });

  it("names the empty bucket even when it comes first and another has tokens", async () => {
    const team = newTeamId();
    const t0 = Date.now();
    const empty = { bucket: "empty", policy: one(60) };
    expect((await limiter(team).take("empty", empty.policy, t0)).ok).toBe(true);
    const full = { bucket: "full", policy: { capacity: 10, refillPerHour: 1 } };
    expect(await limiter(team).takeAll([empty, full], t0)).toEqual({ ok: false, retryAfterSeconds: 60, limitIndex: 0 });
    expect(await limiter(team).takeAll([full, empty], t0)).toEqual({ ok: false, retryAfterSeconds: 60, limitIndex: 1 });
    expect((await storedBuckets(team)).full).toBeUndefined(); // never written: it was never spent
  });

  it("is strongly consistent: of many concurrent calls, exactly the smallest capacity gets through", async () => {
    const team = newTeamId();
    const t0 = Date.now();
    const buckets = [
      { bucket: "x", policy: { capacity: 4, refillPerHour: 1 } },
      { bucket: "y", policy: { capacity: 2, refillPerHour: 1 } },
    ];
    const results = await Promise.all(Array.from({ length: 10 }, () => limiter(team).takeAll(buckets, t0)));
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    expect((await storedBuckets(team)).x!.tokens).toBe(2);
  });
});

/** The Worker's configuration with the order limits given, parsed as the Worker parses its environment. */
function configWith(limits: { perAccount?: number; perNameSet?: number }) {
  return parseConfig({
    ...(env as unknown as Record<string, unknown>),
    ...(limits.perAccount !== undefined ? { ACME_ORDERS_PER_ACCOUNT_PER_3H: String(limits.perAccount) } : {}),
    ...(limits.perNameSet !== undefined ? { ACME_ORDERS_PER_NAME_SET_PER_WEEK: String(limits.perNameSet) } : {}),
  });
}

/** The order budget over the real limiter objects, with a clock the test moves. */
function budgetWith(limits: { perAccount?: number; perNameSet?: number }, start = Date.now()) {
  const clock = { t: start, now: () => clock.t };
  const base = depsFrom(env);
  const budget = orderBudget({ config: configWith(limits), clock, teamLimiter: base.teamLimiter });
  return { budget, clock };
}

const DIRECTORY = "https://acme.test/directory";
const order = (teamId: string, names: string[], directoryUrl = DIRECTORY): OrderToPlace => ({ teamId, directoryUrl, names });
const uniqueNames = (() => {
  let n = 0;
  return (count = 1) => Array.from({ length: count }, () => `n${Date.now().toString(36)}-${n++}.example.com`);
})();

const refusal = (limit: string, retryAfterSeconds: number): OrderBudgetAnswer => ({ ok: false, retryAfterSeconds, limit });

describe("orderBudget", () => {
  it("reads its limits from the configuration, Let's Encrypt's by default", () => {
    expect(configWith({})).toMatchObject({ ACME_ORDERS_PER_ACCOUNT_PER_3H: 300, ACME_ORDERS_PER_NAME_SET_PER_WEEK: 5 });
    expect(configWith({ perAccount: 3, perNameSet: 2 })).toMatchObject({ ACME_ORDERS_PER_ACCOUNT_PER_3H: 3, ACME_ORDERS_PER_NAME_SET_PER_WEEK: 2 });
    expect(() => configWith({ perAccount: 0 })).toThrow();
  });

  it("lets the account's orders through up to its limit, then says when the next one may go", async () => {
    const { budget, clock } = budgetWith({ perAccount: 3 });
    const team = newTeamId();
    for (let i = 0; i < 3; i++) expect(await budget.take(order(team, uniqueNames()))).toEqual({ ok: true });
    const refused = await budget.take(order(team, uniqueNames()));
    // 3 per 3 hours refills one an hour: the next order may go in an hour.
    expect(refused).toMatchObject({ ok: false, limit: "3 new orders per 3 hours" });
    if (refused.ok) return;
    // Exactly 3600 would be right; takeToken's float arithmetic answers 3601 (see the `fails` test below).
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(3600);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(3601);

    clock.t += 59 * 60_000;
    expect(await budget.take(order(team, uniqueNames()))).toMatchObject({ ok: false, limit: "3 new orders per 3 hours" });
    clock.t += refused.retryAfterSeconds * 1000 - 59 * 60_000;
    expect(await budget.take(order(team, uniqueNames()))).toEqual({ ok: true });
    expect(await budget.take(order(team, uniqueNames()))).toMatchObject({ ok: false, limit: "3 new orders per 3 hours" });
  });

  it("answers exactly an hour for 3 orders per 3 hours", async () => {
    const { budget } = budgetWith({ perAccount: 3 });
    const team = newTeamId();
    for (let i = 0; i < 3; i++) await budget.take(order(team, uniqueNames()));
    expect(await budget.take(order(team, uniqueNames()))).toEqual(refusal("3 new orders per 3 hours", 3600));
  });

  it("counts each exact set of names (in any order or case) apart, and a refusal spends nothing of the account", async () => {
    const { budget } = budgetWith({ perAccount: 4, perNameSet: 2 });
    const team = newTeamId();
    const [a, b] = uniqueNames(2) as [string, string];
    expect(await budget.take(order(team, [a, b]))).toEqual({ ok: true });
    expect(await budget.take(order(team, [b.toUpperCase(), a]))).toEqual({ ok: true });
    // 2 per week refills one every 84 hours.
    const namesLimit = "2 orders per week for the same set of names";
    expect(await budget.take(order(team, [b, a.toUpperCase(), a]))).toEqual(refusal(namesLimit, WEEK_S / 2));
    expect(await budget.take(order(team, [a, b]))).toEqual(refusal(namesLimit, WEEK_S / 2));
    // Another set is another bucket: a subset is not the same set.
    expect(await budget.take(order(team, [a]))).toEqual({ ok: true });
    // The account spent 3 of its 4: the two refusals took nothing from it (had they, [a] would have been refused).
    expect(await budget.take(order(team, uniqueNames()))).toEqual({ ok: true });
    expect(await budget.take(order(team, uniqueNames()))).toMatchObject({ ok: false, limit: "4 new orders per 3 hours" });
  });

  it("answers the longer of the two waits when both are spent", async () => {
    const { budget } = budgetWith({ perAccount: 1, perNameSet: 1 });
    const team = newTeamId();
    const names = uniqueNames();
    expect(await budget.take(order(team, names))).toEqual({ ok: true });
    expect(await budget.take(order(team, names))).toMatchObject({ ok: false, limit: "1 orders per week for the same set of names" });
    expect(await budget.take(order(team, uniqueNames()))).toMatchObject({ ok: false, limit: "1 new orders per 3 hours" });
  });

  it("lets the same names through again once the announced wait has passed", async () => {
    // 2 per week: the refusal says 302400 s, yet after exactly that long the bucket holds 0.9999999999999999 tokens.
    const { budget, clock } = budgetWith({ perAccount: 100, perNameSet: 2 });
    const team = newTeamId();
    const names = uniqueNames(2);
    await budget.take(order(team, names));
    await budget.take(order(team, names));
    const refused = await budget.take(order(team, names));
    expect(refused.ok).toBe(false);
    clock.t += (refused as { retryAfterSeconds: number }).retryAfterSeconds * 1000;
    expect(await budget.take(order(team, names))).toEqual({ ok: true });
  });

  it("the same names come back a week later at the rate the week refills", async () => {
    const { budget, clock } = budgetWith({ perAccount: 100, perNameSet: 2 });
    const team = newTeamId();
    const names = uniqueNames(2);
    await budget.take(order(team, names));
    await budget.take(order(team, names));
    clock.t += 83 * HOUR_MS;
    expect((await budget.take(order(team, names))).ok).toBe(false);
    clock.t += 2 * HOUR_MS; // 85 h: one token back (one every 84 h)
    expect(await budget.take(order(team, names))).toEqual({ ok: true });
    expect((await budget.take(order(team, names))).ok).toBe(false);
  });

  it("keeps each team's budget, and each directory's (one account each), apart", async () => {
    const { budget } = budgetWith({ perAccount: 2 });
    const [busy, other] = [newTeamId(), newTeamId()];
    for (let i = 0; i < 2; i++) expect(await budget.take(order(busy, uniqueNames()))).toEqual({ ok: true });
    expect((await budget.take(order(busy, uniqueNames()))).ok).toBe(false);
    expect(await budget.take(order(other, uniqueNames()))).toEqual({ ok: true });
    expect(await budget.take(order(busy, uniqueNames(), "https://other-ca.test/directory"))).toEqual({ ok: true });
    // The other team's and the other directory's orders spent nothing of the busy account's budget either.
    expect((await budget.take(order(busy, uniqueNames()))).ok).toBe(false);
  });

  it("keeps the name sets of separate teams apart", async () => {
    const { budget } = budgetWith({ perNameSet: 1 });
    const names = uniqueNames();
    const [a, b] = [newTeamId(), newTeamId()];
    expect(await budget.take(order(a, names))).toEqual({ ok: true });
    expect((await budget.take(order(a, names))).ok).toBe(false);
    expect(await budget.take(order(b, names))).toEqual({ ok: true });
    expect(await budget.take(order(a, names, "https://other-ca.test/directory"))).toEqual({ ok: true });
  });

  it("giveBack returns one order to both buckets, never past their size", async () => {
    const { budget, clock } = budgetWith({ perAccount: 2, perNameSet: 1 });
    const team = newTeamId();
    const names = uniqueNames();
    expect(await budget.take(order(team, names))).toEqual({ ok: true });
    expect((await budget.take(order(team, names))).ok).toBe(false);
    await budget.giveBack(order(team, names));
    // Both back: the name set's only order, and the account's second (so two more orders fit, not one).
    expect(await budget.take(order(team, names))).toEqual({ ok: true });
    expect(await budget.take(order(team, uniqueNames()))).toEqual({ ok: true });
    expect((await budget.take(order(team, uniqueNames()))).ok).toBe(false);

    // A full bucket stays full: giving back more than was taken makes no room.
    const idle = newTeamId();
    await budget.giveBack(order(idle, names));
    clock.t += 1;
    for (let i = 0; i < 2; i++) expect((await budget.take(order(idle, uniqueNames()))).ok).toBe(true);
    expect((await budget.take(order(idle, uniqueNames()))).ok).toBe(false);
    expect((await storedBuckets(idle))[`acme-orders:${DIRECTORY}`]!.tokens).toBeLessThan(1);
  });

  it("is what depsFrom wires into deps.orderBudget, with the configured limits", async () => {
    const deps = depsFrom(env);
    const team = newTeamId();
    const names = uniqueNames();
    for (let i = 0; i < deps.config.ACME_ORDERS_PER_NAME_SET_PER_WEEK; i++) expect(await deps.orderBudget!.take(order(team, names))).toEqual({ ok: true });
    expect(await deps.orderBudget!.take(order(team, names))).toMatchObject({ ok: false, limit: "5 orders per week for the same set of names" });
    await deps.orderBudget!.giveBack(order(team, names));
    expect(await deps.orderBudget!.take(order(team, names))).toEqual({ ok: true });
  });
});
