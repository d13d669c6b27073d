/** The token bucket as pure data: starts full, refills continuously, says when the next token comes. */
import { describe, expect, it } from "vitest";
import { returnToken, takeToken, type BucketState } from "../../../src/services/limits/token-bucket";

const policy = { capacity: 3, refillPerHour: 60 }; // one token a minute

/** Takes `n` tokens at `now`, returning each result and the final state. */
function takeMany(n: number, state: BucketState | null, now: number) {
  const results = [];
  for (let i = 0; i < n; i++) {
    const next = takeToken(state, policy, now);
    results.push(next.result);
    state = next.state;
  }
  return { results, state };
}

describe("takeToken", () => {
  it("lets a new bucket's capacity through at once, then says when the next token comes", () => {
    const { results } = takeMany(4, null, 0);
    expect(results).toEqual([
      { ok: true, remaining: 2 },
      { ok: true, remaining: 1 },
      { ok: true, remaining: 0 },
      { ok: false, retryAfterSeconds: 60 },
    ]);
  });

  it("refills continuously and never past capacity", () => {
    const empty = takeMany(3, null, 0).state;
    expect(takeToken(empty, policy, 30_000).result).toEqual({ ok: false, retryAfterSeconds: 30 });
    expect(takeToken(empty, policy, 60_000).result).toEqual({ ok: true, remaining: 0 });
    expect(takeMany(4, empty, 24 * 3_600_000).results.map((r) => r.ok)).toEqual([true, true, true, false]);
  });

  it("refills nothing when the clock goes backwards", () => {
    const empty = takeMany(3, null, 100_000).state;
    expect(takeToken(empty, policy, 0).result.ok).toBe(false);
  });

  it("counts refused calls for nothing: waiting is what refills", () => {
    let state = takeMany(3, null, 0).state;
    for (let i = 0; i < 10; i++) state = takeToken(state, policy, 1_000 * i).state;
    expect(takeToken(state, policy, 60_000).result.ok).toBe(true);
  });
});

describe("returnToken", () => {
  it("puts one token back, after the refill up to now, never past capacity", () => {
    const empty = takeMany(3, null, 0).state;
    expect(returnToken(empty, policy, 0)).toEqual({ tokens: 1, updatedAt: 0 });
    // Half a minute's refill, then the token given back.
    expect(returnToken(empty, policy, 30_000)).toEqual({ tokens: 1.5, updatedAt: 30_000 });
    expect(returnToken({ tokens: 2.5, updatedAt: 0 }, policy, 0)).toEqual({ tokens: 3, updatedAt: 0 });
    expect(returnToken(null, policy, 5)).toEqual({ tokens: 3, updatedAt: 5 });
    // The token is there to take again at once.
    expect(takeToken(returnToken(empty, policy, 0), policy, 0).result).toEqual({ ok: true, remaining: 0 });
  });
});
