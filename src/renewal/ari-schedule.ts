/** ACME Renewal Information over time (RFC 9773 §4.3): what of it a certificate row keeps, and when to ask the CA again. */
import type { RenewalInfo } from "../acme";
import { type RenewalTimingInput, type RenewalWindow, renewalDueAt } from "./policy";

const HOUR_MS = 3_600_000;

/**
 * The bounds on the CA's Retry-After (RFC 9773 §4.3.2: "Clients SHOULD set reasonable limits on their checking
 * interval"): never more often than hourly, however eager the CA; at least every 6 h, so a window moved earlier
 * (e.g. ahead of a mass revocation) is seen within hours. 6 h is also the wait after a failed fetch, or an answer
 * without Retry-After (RFC 9773 §4.3.3, long-term errors: "after six hours have passed").
 */
export const ARI_RECHECK_MIN_MS = HOUR_MS;
export const ARI_RECHECK_MAX_MS = 6 * HOUR_MS;

/** When to fetch the renewal information again: the CA's Retry-After (seconds), clamped; 6 h without one. */
export function nextAriCheckAt(now: number, retryAfterSeconds?: number): number {
  if (retryAfterSeconds === undefined || !Number.isFinite(retryAfterSeconds)) return now + ARI_RECHECK_MAX_MS;
  return now + Math.min(ARI_RECHECK_MAX_MS, Math.max(ARI_RECHECK_MIN_MS, retryAfterSeconds * 1000));
}

/** The row's `ari` columns (see NewCertificate): the window, the CA's explanation link and the next check. */
export interface AriColumns {
  windowStart: number;
  windowEnd: number;
  explanationUrl: string | null;
  retryAt: number | null;
}

/**
 * Only an absolute http(s) URL of sane length is kept as the explanation (RFC 9773 §4.2: "a URL pointing to a page
 * which may explain why the suggested renewal window has its current value"): it is shown to API clients as a link.
 */
function explanationUrlOf(value: string | undefined): string | null {
  if (value === undefined || value.length > 2048) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.toString() : null;
  } catch {
    return null;
  }
}

export function ariColumns(info: RenewalInfo, now: number): AriColumns {
  return {
    windowStart: info.suggestedWindow.start.getTime(),
    windowEnd: info.suggestedWindow.end.getTime(),
    explanationUrl: explanationUrlOf(info.explanationURL),
    retryAt: nextAriCheckAt(now, info.retryAfter),
  };
}

/**
 * Whether `at` is a time renewalDueAt could have chosen inside `window` for this certificate: between the
 * window's start and end, both capped by the policy's last resort. A chosen time that still fits is kept when the
 * renewal information is fetched again (re-drawing it on each fetch would only make it wander).
 */
export function fitsWindow(at: number, certificate: Omit<RenewalTimingInput, "ariWindow" | "random">, window: RenewalWindow): boolean {
  const earliest = renewalDueAt({ ...certificate, ariWindow: window, random: () => 0 });
  const latest = renewalDueAt({ ...certificate, ariWindow: window, random: () => 1 - Number.EPSILON });
  return at >= earliest && at <= latest;
}
