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
  const lifetime = Math.max(0, input.expiresAt - input.issuedAt);
  const lastResort = input.expiresAt - lifetime / 20;
  if (isUsableWindow(input.ariWindow)) {
    const { start, end } = input.ariWindow;
    const point = start + Math.floor((end - start) * (input.random ?? Math.random)());
    return Math.min(point, lastResort);
  }
  const remainingShare = lifetime < 10 * DAY_MS ? 1 / 2 : 1 / 3;
  return input.expiresAt - lifetime * remainingShare;
}
