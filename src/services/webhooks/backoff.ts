/** When a webhook message that failed is tried again, when it is given up, and when its endpoint is turned off. */
import { DAY_MS, HOUR_MS } from "../../core/time";

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;

/**
 * The waits after each failed attempt: the schedule the Standard Webhooks spec gives as its example ("Retry schedule":
 * immediately, then 5 seconds, 5 minutes, 30 minutes, 2 hours, 5 hours, 10 hours, 10 hours). Eight attempts over about
 * 27.6 hours, so a receiver down for a day still gets every event.
 */
export const WEBHOOK_RETRY_DELAYS_MS = [5 * SECOND_MS, 5 * MINUTE_MS, 30 * MINUTE_MS, 2 * HOUR_MS, 5 * HOUR_MS, 10 * HOUR_MS, 10 * HOUR_MS];

/** Attempts a message gets before it is given up: the first, and one after each wait. */
export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_RETRY_DELAYS_MS.length + 1;

/** An endpoint whose deliveries have failed without a success for this long is disabled, with the reason shown. */
export const DISABLE_AFTER_FAILING_MS = 3 * DAY_MS;

/**
 * A failure this long after the previous one starts a new run of failures: nothing was pending meanwhile (the
 * longest wait above is 10 hours), so the endpoint may well have been fine; only a continuous run counts toward
 * disabling it.
 */
export const FAILURE_RUN_GAP_MS = DAY_MS;

/**
 * When attempt number `attemptsMade + 1` is due after attempt `attemptsMade` failed at `at`, or null when that was the
 * last. A receiver's Retry-After (429, 503) is honoured when longer, up to the longest wait.
 */
export function nextWebhookAttemptAt(attemptsMade: number, at: number, retryAfterSeconds?: number): number | null {
  if (attemptsMade >= WEBHOOK_MAX_ATTEMPTS) return null;
  const wait = WEBHOOK_RETRY_DELAYS_MS[Math.max(attemptsMade, 1) - 1]!;
  const asked = Math.min((retryAfterSeconds ?? 0) * SECOND_MS, Math.max(...WEBHOOK_RETRY_DELAYS_MS));
  return at + Math.max(wait, asked);
}

export interface FailureRun {
  failingSince: number | null;
  lastFailureAt: number | null;
}

/** The start of the run of failures that a failure at `at` belongs to. */
export function failingSinceAfter(run: FailureRun, at: number): number {
  const continues = run.failingSince !== null && run.lastFailureAt !== null && at - run.lastFailureAt <= FAILURE_RUN_GAP_MS;
  return continues ? Math.min(run.failingSince!, at) : at;
}

/** Whether a run of failures that began at `failingSince` has lasted long enough at `at` to disable the endpoint. */
export function failedTooLong(failingSince: number, at: number): boolean {
  return at - failingSince >= DISABLE_AFTER_FAILING_MS;
}
