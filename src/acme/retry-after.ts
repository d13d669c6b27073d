/** Retry-After header parsing (RFC 9110 §10.2.3), as ACME uses it for polling and rate limits (RFC 8555 §6.6, §7.5.1). */

const DELAY_SECONDS = /^\d+$/;
/** Loose check that the value looks like an HTTP-date (IMF-fixdate, RFC 850 or asctime) before Date.parse sees it. */
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? .*\d{2}:\d{2}:\d{2}/;

/**
 * Seconds to wait, from a Retry-After value: `delay-seconds` or an `HTTP-date` (RFC 9110 §10.2.3).
 * A date in the past gives 0. Missing or unreadable values give undefined (the caller uses its own schedule).
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  if (DELAY_SECONDS.test(text)) {
    const seconds = Number(text);
    return Number.isSafeInteger(seconds) ? seconds : undefined;
  }
  if (!HTTP_DATE.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}
