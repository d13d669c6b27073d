/** When a certificate counts as "expiring soon" (the status endpoint and its warnings). */
import { DAY_MS } from "../core/time";

/**
 * Within 30 days of expiry; for certificates whose whole lifetime is under 90 days (Let's Encrypt's
 * 45-day and 6-day profiles), within the last third of the lifetime instead, since 30 days would
 * mark a 45-day certificate "expiring" for two thirds of its life.
 */
export function isExpiringSoon(issuedAt: number, expiresAt: number, now: number): boolean {
  const lifetime = expiresAt - issuedAt;
  const window = lifetime < 90 * DAY_MS ? lifetime / 3 : 30 * DAY_MS;
  return expiresAt - now <= window;
}
