/**
 * The one Retry-After reader for every outbound call (ACME, DNS providers, deploy targets, webhooks): RFC 9110
 * §10.2.3, as ACME uses it for polling and rate limits (RFC 8555 §6.6, §7.5.1). Whatever a server says, the wait is
 * clamped to MAX_RETRY_AFTER_SECONDS, so a wrong or hostile value can neither park work for years nor make a date
 * that cannot be written (`new Date(now + 1e16).toISOString()` throws).
 */

/** The longest wait any server can ask for: a day. Longer values are read as "a day". */
export const MAX_RETRY_AFTER_SECONDS = 24 * 60 * 60;

const DELAY_SECONDS = /^\d+$/;
/** Loose check that the value looks like an HTTP-date (IMF-fixdate, RFC 850 or asctime) before Date.parse sees it. */
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? .*\d{2}:\d{2}:\d{2}/;

/** `seconds` within [0, MAX_RETRY_AFTER_SECONDS], whole; for waits servers give in other places (a body field). */
export function clampRetryAfter(seconds: number): number {
  if (Number.isNaN(seconds)) return 0;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, Math.ceil(seconds)));
}

/**
 * Seconds to wait, from a Retry-After value: `delay-seconds` (any number of digits) or an `HTTP-date`
 * (RFC 9110 §10.2.3), at most MAX_RETRY_AFTER_SECONDS. A date in the past gives 0. Missing or unreadable values give
 * undefined (the caller uses its own schedule).
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  // Number("99999999999999999999") is 1e20, still above the clamp: every digit string is a valid, if long, delay.
  if (DELAY_SECONDS.test(text)) return clampRetryAfter(Number(text));
  if (!HTTP_DATE.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return clampRetryAfter((at - nowMs) / 1000);
}

/** A Retry-After worth acting on: a wait of at least a second, or undefined. */
export function positiveRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  const seconds = parseRetryAfter(value, nowMs);
  return seconds !== undefined && seconds > 0 ? seconds : undefined;
}
