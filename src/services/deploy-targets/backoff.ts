/** How long a deploy target that failed is left alone before the next automatic delivery, and when its failing is news. */
import { clampRetryAfter } from "../../outbound/retry-after";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * One row per consecutive failure: 1 minute doubling to a 6 hour cap. A provider's brief outage or throttling is
 * ridden out within the hour; a target broken for good (revoked token, deleted zone) costs four tries a day. The
 * cron sweep runs every 15 minutes, so the short delays are reached only by the retry that follows an issuance.
 */
export const DELIVERY_RETRY_MS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 360].map((m) => m * MINUTE_MS);

/** A target failing this long is called out in the certificate's status: the old certificate is aging there. */
export const FAILING_TOO_LONG_MS = 24 * HOUR_MS;

/**
 * The next automatic attempt after failure number `failures` (1 for the first), honouring the provider's Retry-After
 * up to a day (outbound/retry-after.ts), however the error that carries it was made.
 */
export function nextDeliveryAttempt(failures: number, now: number, retryAfterSeconds?: number): number {
  const index = Math.min(Math.max(failures, 1), DELIVERY_RETRY_MS.length) - 1;
  const delay = Math.max(DELIVERY_RETRY_MS[index]!, clampRetryAfter(retryAfterSeconds ?? 0) * 1000);
  return now + delay;
}
