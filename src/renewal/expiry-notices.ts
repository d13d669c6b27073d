/**
 * When a certificate's coming expiry is announced (the `certificate.expiring` and `certificate.expired` webhooks), as
 * one pure rule. A 90-day certificate is announced 30, 14, 7 and 1 days before it lapses; a shorter lifetime scales
 * every notice down in proportion, so that the first notice is exactly when the certificate turns "expiring soon"
 * (pki/expiry.ts: 30 days, or the last third of shorter lifetimes) and a 6-day certificate is not announced from
 * birth. Let's Encrypt stopped sending its own expiry emails in 2025
 * (https://letsencrypt.org/2025/01/22/ending-expiration-emails/), so these are the team's warning. Like those emails,
 * which went only to certificates not renewed in time, a certificate that renews itself is announced only once its
 * renewal is overdue (renewalStanding below): a notice then means someone has to act.
 */
import { DAY_MS } from "../core/time";
import { expiryWarningDays, expiryWindowMs } from "../pki/expiry";
import { renewalOverdueAt } from "./policy";

/** The notices of a certificate living 90 days or more, in days before expiry (the first is the "expiring soon" window). */
export const EXPIRY_NOTICE_DAYS = [expiryWarningDays, 14, 7, 1] as const;

/** The level after the last threshold: the certificate has expired. Levels 1…4 are the notices above, 0 is none yet. */
export const EXPIRED_LEVEL = EXPIRY_NOTICE_DAYS.length + 1;

/** How long before expiry each notice falls, longest first: each day count scaled by the certificate's own window. */
export function expiryNoticeOffsetsMs(issuedAt: number, expiresAt: number): number[] {
  const window = expiryWindowMs(issuedAt, expiresAt);
  return EXPIRY_NOTICE_DAYS.map((days) => (window * days) / expiryWarningDays);
}

/** Which notice is due at `now`: 0 (none yet), 1…4 (the last threshold crossed), or EXPIRED_LEVEL. */
export function expiryNoticeLevel(issuedAt: number, expiresAt: number, now: number): number {
  if (now >= expiresAt) return EXPIRED_LEVEL;
  const left = expiresAt - now;
  return expiryNoticeOffsetsMs(issuedAt, expiresAt).filter((offset) => left <= offset).length;
}

/** When the notice after `level` falls due (the next threshold, or the expiry itself); null once expiry was announced. */
export function nextExpiryNoticeAt(issuedAt: number, expiresAt: number, level: number): number | null {
  if (level >= EXPIRED_LEVEL) return null;
  const offsets = expiryNoticeOffsetsMs(issuedAt, expiresAt);
  return level < offsets.length ? expiresAt - offsets[level]! : expiresAt;
}

/** The threshold a notice announces, in days before expiry (scaled for short lifetimes), or null for "expired". */
export function expiryNoticeThresholdDays(issuedAt: number, expiresAt: number, level: number): number | null {
  if (level < 1 || level >= EXPIRED_LEVEL) return null;
  return expiryNoticeOffsetsMs(issuedAt, expiresAt)[level - 1]! / DAY_MS;
}

/** What the expiry notices need of a certificate's renewal (the row's columns). */
export interface RenewalFacts {
  issuedAt: number;
  expiresAt: number;
  autoRenew: boolean;
  nextRenewalAt: number | null;
  /** Automatic renewal's failures since its last success (a manual renew's failure is not counted). */
  renewalFailures: number;
  ariWindowStart: number | null;
  ariWindowEnd: number | null;
}

/**
 * Why a certificate's notices are sent, or that they wait:
 * - `auto_renew_off`: nothing renews it (renewal off, or an uploaded certificate): every notice, lifetime-scaled;
 * - `on_time`: it renews itself and its renewal is not overdue: the notices wait until `overdueAt` (a failure
 *   before then makes it overdue at once);
 * - `renewal_failed`: the last automatic attempt failed (or automatic renewal stopped after a failure);
 * - `renewal_overdue`: not renewed by the end of its renewal window and the grace after it (renewal/policy.ts).
 */
export type RenewalStanding =
  | { reason: "auto_renew_off" | "renewal_failed" | "renewal_overdue" }
  | { reason: "on_time"; overdueAt: number };

export function renewalStanding(certificate: RenewalFacts, asOf: number): RenewalStanding {
  const renews = certificate.autoRenew && (certificate.nextRenewalAt !== null || certificate.renewalFailures > 0);
  if (!renews) return { reason: "auto_renew_off" };
  if (certificate.renewalFailures > 0) return { reason: "renewal_failed" };
  const { ariWindowStart: start, ariWindowEnd: end } = certificate;
  const ariWindow = start !== null && end !== null ? { start, end } : null;
  const overdueAt = renewalOverdueAt({ issuedAt: certificate.issuedAt, expiresAt: certificate.expiresAt, ariWindow });
  return asOf >= overdueAt ? { reason: "renewal_overdue" } : { reason: "on_time", overdueAt };
}
