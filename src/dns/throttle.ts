/**
 * A provider call the provider refused for rate is sent again: a throttled request was not carried out, so repeating
 * it is safe even for a write. Waits follow the provider's Retry-After when it gives one (RFC 9110 §10.2.3), else
 * RETRY_POLICY.dnsThrottleBackoffMs; past those, or past a Retry-After longer than an issuance can wait, the
 * throttled answer goes back to the adapter, which reports it.
 */
import { RETRY_POLICY } from "../acme/retry-policy";
import { AppError } from "../core/errors";
import { sanitizeProviderMessage, type ProviderClient, type ProviderResponse } from "../outbound/provider-http";
import { parseRetryAfter } from "../outbound/retry-after";
import type { DnsProviderOptions } from "./provider";

/** How an adapter waits: the options' clock and sleep, or the real ones. */
export interface Pacing {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export function pacingOf(options: DnsProviderOptions): Pacing {
  return {
    now: options.now ?? Date.now,
    sleep: options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
  };
}

/** What an adapter knows about its provider's throttling answers. */
export interface ThrottleSignal {
  /** Whether the provider refused this request for rate. */
  throttled(response: ProviderResponse): boolean;
  /** A wait the provider asks for in its body (ms), when it has such a field; Retry-After is read here. */
  hintMs?(response: ProviderResponse): number | undefined;
}

/** HTTP 429 (RFC 6585 §4), the signal of every provider but Route 53. */
export const TOO_MANY_REQUESTS: ThrottleSignal = { throttled: (response) => response.status === 429 };

/** Calls `send` until the provider stops throttling it or the retries run out; returns the last answer. */
export async function sendPaced(send: () => Promise<ProviderResponse>, signal: ThrottleSignal, pacing: Pacing): Promise<ProviderResponse> {
  const schedule = RETRY_POLICY.dnsThrottleBackoffMs;
  for (let retry = 0; ; retry++) {
    const response = await send();
    if (!signal.throttled(response) || retry >= schedule.length) return response;
    const wait = signal.hintMs?.(response) ?? retryAfterMs(response.headers, pacing.now()) ?? schedule[retry]!;
    if (wait > RETRY_POLICY.dnsThrottleMaxWaitMs) return response;
    await pacing.sleep(Math.max(0, wait));
  }
}

/** Retry-After (RFC 9110 §10.2.3) in ms from `now`, clamped as every Retry-After is; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  const seconds = parseRetryAfter(headers.get("retry-after"), now);
  return seconds === undefined ? undefined : seconds * 1000;
}

/**
 * The error for throttling still signalled after the retries, worded as providerError words a 429: "<label>
 * rate-limited the request to <action> (HTTP 400): Throttling: Rate exceeded", with the wait the provider asked for
 * (`waitMs`, else its Retry-After) as retryAfter. For signals providerError does not know: Route 53's, GoDaddy's body.
 * Its detail says `rateLimited` and carries no `status`: a 4xx status there reads as the caller's fault (bad
 * credentials), and Route 53 throttles with a 400.
 */
export function rateLimitedError(client: ProviderClient, response: ProviderResponse, action: string, providerMessage: string | undefined, waitMs?: number): AppError {
  const said = sanitizeProviderMessage(client, providerMessage);
  const wait = waitMs ?? retryAfterMs(response.headers, Date.now());
  return new AppError(client.errorCode, `${client.label} rate-limited the request to ${action} (HTTP ${response.status})${said ? `: ${said}` : ""}`, {
    detail: { provider: client.label, rateLimited: true },
    retryAfter: wait ? Math.ceil(wait / 1000) : undefined,
  });
}
