/** When a certificate is due for renewal (pure; the cron sweep and the issuer both use it). */
import { DAY_MS } from "../core/time";

export interface RenewalWindow {
  start: number;
  end: number;
}

export interface RenewalTimingInput {
  issuedAt: number;
  expiresAt: number;
  /** The CA's ACME Renewal Information window (RFC 9773 §4.2), when it offers one. */
  ariWindow?: RenewalWindow | null;
  /** A number in [0, 1) choosing the point inside the ARI window; injectable for tests. */
  random?: () => number;
}

/** A window is usable when both ends are real instants and it is not empty (RFC 9773 §4.2: end after start). */
function isUsableWindow(window: RenewalWindow | null | undefined): window is RenewalWindow {
  return !!window && Number.isFinite(window.start) && Number.isFinite(window.end) && window.end > window.start;
}

/**
 * The instant at which renewal becomes due:
 * - inside the ARI suggested window when the CA offers one: a random point in it, so a CA's
 *   fleet of clients spreads out (RFC 9773 §4.2);
 * - otherwise when a third of the lifetime remains, or half for lifetimes under 10 days
 *   (a fixed "30 days before" breaks with 45-day and 6-day certificates), so a certificate falls due
 *   no later than it turns "expiring soon" (src/pki/expiry.ts: at most a third left);
 * - never later than when a twentieth of the lifetime remains, whatever the window says.
 */
export function renewalDueAt(input: RenewalTimingInput): number {
  if (isUsableWindow(input.ariWindow)) {
    const { start, end } = input.ariWindow;
    const point = start + Math.floor((end - start) * (input.random ?? Math.random)());
    return Math.min(point, lastResortAt(input));
  }
  return fixedDueAt(input);
}

const lifetimeOf = (input: RenewalTimingInput) => Math.max(0, input.expiresAt - input.issuedAt);
const lastResortAt = (input: RenewalTimingInput) => input.expiresAt - lifetimeOf(input) / 20;

function fixedDueAt(input: RenewalTimingInput): number {
  const lifetime = lifetimeOf(input);
  const remainingShare = lifetime < 10 * DAY_MS ? 1 / 2 : 1 / 3;
  return input.expiresAt - lifetime * remainingShare;
}

/**
 * How long a healthy renewal may take past the latest instant it could fall due: the next tick claims it (15
 * minutes), the queue runs it within minutes, a lost message is sent again after the sweep's claim (2 hours), and a
 * backlog that RENEWALS_PER_TICK spreads over a day's ticks is still on time. A lifetime's twentieth when that is
 * shorter (6-day certificates: 7.2 hours).
 */
export const RENEWAL_GRACE_MS = DAY_MS;

/**
 * The instant a renewal not yet done is overdue: the end of the window it falls due in (the ARI window's end, capped
 * like renewalDueAt; the fixed point without one) plus RENEWAL_GRACE_MS, never after expiry. Until then a certificate
 * that renews itself needs nobody (the expiry notices, renewal/expiry-notices.ts, wait for it).
 */
export function renewalOverdueAt(input: Omit<RenewalTimingInput, "random">): number {
  const latestDue = isUsableWindow(input.ariWindow) ? Math.min(input.ariWindow.end, lastResortAt(input)) : fixedDueAt(input);
  return Math.min(input.expiresAt, latestDue + Math.min(RENEWAL_GRACE_MS, lifetimeOf(input) / 20));
}
