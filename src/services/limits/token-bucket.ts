/** A token bucket (the leaky-bucket rate limit Let's Encrypt itself applies), as pure data, and its limiter's RPC contract. */

/** How big a bucket is and how fast it refills. */
export interface BucketPolicy {
  /** Tokens when full: how many calls may come at once. */
  capacity: number;
  /** Tokens added per hour, continuously (one every 3600/N seconds). */
  refillPerHour: number;
}

export interface BucketState {
  tokens: number;
  /** When `tokens` was last computed (ms since the epoch). */
  updatedAt: number;
}

export type TakeResult = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

const HOUR_MS = 3_600_000;
/** Far below a token a millisecond of any refill rate adds, far above floating-point error. */
const EPSILON = 1e-9;

/**
 * Refills `state` up to `now`, then takes one token if there is one. A new bucket starts full; a clock that went
 * backwards refills nothing. When empty, `retryAfterSeconds` is when the next whole token will be there.
 */
export function takeToken(state: BucketState | null, policy: BucketPolicy, now: number): { state: BucketState; result: TakeResult } {
  const elapsed = state ? Math.max(0, now - state.updatedAt) : 0;
  // Multiplied before dividing, and judged with a hair of tolerance: (n / HOUR_MS) * HOUR_MS is not n in floating
  // point, and a caller coming back exactly after the announced wait must find its token there.
  const tokens = Math.min(policy.capacity, state ? state.tokens + (elapsed * policy.refillPerHour) / HOUR_MS : policy.capacity);
  if (tokens >= 1 - EPSILON) {
    return { state: { tokens: Math.max(0, tokens - 1), updatedAt: now }, result: { ok: true, remaining: Math.max(0, Math.floor(tokens - 1 + EPSILON)) } };
  }
  const waitSeconds = ((1 - tokens) * HOUR_MS) / policy.refillPerHour / 1000;
  return { state: { tokens, updatedAt: now }, result: { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds - EPSILON)) } };
}

/**
 * Puts back one token taken for a call that never happened, after refilling `state` up to `now`; never past the
 * bucket's capacity. A bucket never written is full already.
 */
export function returnToken(state: BucketState | null, policy: BucketPolicy, now: number): BucketState {
  if (!state) return { tokens: policy.capacity, updatedAt: now };
  const elapsed = Math.max(0, now - state.updatedAt);
  const tokens = Math.min(policy.capacity, state.tokens + (elapsed * policy.refillPerHour) / HOUR_MS + 1);
  return { tokens, updatedAt: Math.max(now, state.updatedAt) };
}

/** What the per-team limiter Durable Object (objects/team-limiter.ts) answers over RPC: plain data both ways. */
export interface TeamLimiterRpc {
  /** Takes one token from the team's bucket `bucket` under `policy`, judged at `now` (ms). */
  take(bucket: string, policy: BucketPolicy, now: number): Promise<TakeResult>;
  /**
   * One token from each bucket, or none at all: when any is empty nothing is taken and the answer is the longest wait
   * (with the index of the bucket that imposed it), so one limit never spends another's tokens for nothing.
   */
  takeAll(buckets: { bucket: string; policy: BucketPolicy }[], now: number): Promise<TakeResult & { limitIndex?: number }>;
  /** Gives back one token to each bucket (returnToken), for calls that `takeAll` allowed and that never reached the CA. */
  giveBackAll(buckets: { bucket: string; policy: BucketPolicy }[], now: number): Promise<void>;
}
