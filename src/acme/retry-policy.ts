/** The client's whole retry policy, in one table (RFC 8555 §6.5 for badNonce; mholt/acmez for the rest). */

export const RETRY_POLICY = {
  /**
   * RFC 8555 §6.5: a `badNonce` error carries a fresh nonce; retry the same request with it, this many times.
   * Cheap (no wait, the CA did nothing) and 10 keeps a run against a CA rejecting half of all nonces
   * (Pebble's PEBBLE_WFE_NONCEREJECT=50) reliable: 0.5^11 ≈ 1/2000 per request.
   */
  badNonceRetries: 10,
  /**
   * 5xx answers and network failures: retried only for idempotent requests (GET, HEAD newNonce,
   * POST-as-GET, RFC 8555 §6.3), waiting this long before each retry. Everything else is never retried.
   */
  transientBackoffMs: [250, 1000] as readonly number[],
  /** Each HTTP request to the CA gives up after this long and counts as a network failure. */
  requestTimeoutMs: 30_000,
  /**
   * Poll intervals when the CA sends no Retry-After (RFC 8555 §7.5.1 leaves it to the client); the last repeats.
   * A CA often validates within a few hundred milliseconds, so the first looks come soon; a CA that wants
   * fewer polls says so with Retry-After, which always wins.
   */
  pollScheduleMs: [150, 300, 600, 1000, 2000, 3000, 5000, 10_000] as readonly number[],
  /** Longer Retry-After values on a pending resource are capped to this (a CA typo must not park an order for days). */
  maxPollDelayMs: 10 * 60_000,
} as const;
