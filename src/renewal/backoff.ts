/** How long to wait after a failed renewal before trying again, and when to stop trying. */

const HOUR_MS = 3_600_000;

/**
 * Validation failing this many renewals in a row means the name no longer points here: automatic renewal
 * stops. Repeats would only spend the CA's failed-validation budget (Let's Encrypt: 5 failed authorizations
 * per identifier per account per hour, https://letsencrypt.org/docs/rate-limits/).
 */
export const MAX_CHALLENGE_FAILURES = 5;

/**
 * The retry schedule, one row per consecutive failure: 1 h doubling to a 24 h cap, so a CA outage
 * costs a few tries a day while a certificate still has weeks left (certmagic keeps a table too).
 */
export const RETRY_SCHEDULE_MS = [1, 2, 4, 8, 16, 24].map((h) => h * HOUR_MS);

export interface RetryInput {
  /** Consecutive failures including this one (1 for the first). */
  failures: number;
  now: number;
  expiresAt: number;
  /** The CA's Retry-After in seconds (e.g. `rateLimited`), honoured when longer than the schedule. */
  retryAfterSeconds?: number;
}

/** The next attempt: the schedule's delay (or the CA's Retry-After), but never past the last hour before expiry while there is one. */
export function nextRetryAt(input: RetryInput): number {
  const index = Math.min(Math.max(input.failures, 1), RETRY_SCHEDULE_MS.length) - 1;
  let delay = RETRY_SCHEDULE_MS[index]!;
  if (input.retryAfterSeconds !== undefined && input.retryAfterSeconds * 1000 > delay) {
    delay = input.retryAfterSeconds * 1000;
  }
  const latestUseful = input.expiresAt - HOUR_MS;
  // Close to expiry, keep trying at least every quarter of what remains (but not more often than 5 minutes).
  if (input.now + delay > latestUseful && latestUseful > input.now) {
    delay = Math.max(5 * 60_000, Math.min(delay, (input.expiresAt - input.now) / 4));
  }
  return input.now + delay;
}
