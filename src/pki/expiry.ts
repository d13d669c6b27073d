/** When a certificate counts as "expiring soon": the one rule behind upload warnings, status and renewal checks. */
import { DAY_MS } from "../core/time";

/** Certificates living 90 days or more are expiring soon in their last 30 days. */
export const expiryWarningDays = 30;

/**
 * How long before expiry the "expiring soon" window opens: 30 days, or the last third of the lifetime when
 * that is shorter (lifetimes under 90 days, e.g. Let's Encrypt's 45-day and 6-day profiles). A fixed 30 days
 * would mark a 45-day certificate expiring for two thirds of its life and a 6-day one from the start.
 */
export function expiryWindowMs(issuedAt: number, expiresAt: number): number {
  return Math.min(expiryWarningDays * DAY_MS, (expiresAt - issuedAt) / 3);
}

/** True from the window's opening on, expired certificates included (callers that tell "expired" apart check that first). */
export function isExpiringSoon(issuedAt: number, expiresAt: number, now: number): boolean {
  return expiresAt - now <= expiryWindowMs(issuedAt, expiresAt);
}
