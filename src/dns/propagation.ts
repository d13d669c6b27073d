/**
 * Waits for a DNS-01 TXT value to be visible in public DNS before the CA is asked to look. Workers cannot
 * send UDP, so resolution goes over DNS-over-HTTPS with the JSON API (`accept: application/dns-json`) that
 * Cloudflare (https://cloudflare-dns.com/dns-query) and Google (https://dns.google/resolve) both serve.
 */
import { AppError } from "../core/errors";
import { normalizeFqdn } from "./names";
import { unquoteTxt } from "./txt";

export { challengeRecordName } from "./names";

export const DEFAULT_DOH_RESOLVER = "https://cloudflare-dns.com/dns-query";
const TXT_TYPE = 16;
const MAX_QUERY_MS = 10_000;
const MIN_QUERY_MS = 1_000;

export interface TxtLookupOptions {
  /** The DoH JSON endpoint, e.g. https://cloudflare-dns.com/dns-query. */
  resolverUrl: string;
  fetch?: typeof fetch;
  /** Timeout for this one query (default 10 s). */
  timeoutMs?: number;
}

export interface WaitForTxtOptions {
  resolverUrl: string;
  fetch?: typeof fetch;
  /** How long to keep looking before giving up. */
  timeoutMs: number;
  /** Pause between queries. */
  intervalMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface DohAnswer {
  Status?: number;
  Answer?: { name?: string; type?: number; data?: string }[];
}

/**
 * The TXT values at `fqdn` as the resolver sees them (quotes stripped, split strings joined). An NXDOMAIN or
 * empty answer is `[]`; a resolver failure throws.
 */
export async function lookupTxt(fqdn: string, options: TxtLookupOptions): Promise<string[]> {
  const name = normalizeFqdn(fqdn);
  const url = new URL(options.resolverUrl);
  url.searchParams.set("name", name);
  url.searchParams.set("type", "TXT");
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const response = await doFetch(url.toString(), {
    headers: { accept: "application/dns-json" },
    signal: AbortSignal.timeout(options.timeoutMs ?? MAX_QUERY_MS),
  });
  if (!response.ok) throw new Error(`resolver answered HTTP ${response.status}`);
  const body = (await response.json()) as DohAnswer;
  // Status 3 is NXDOMAIN: nothing there yet. Other non-zero codes (SERVFAIL, REFUSED…) are failures.
  if (body.Status !== undefined && body.Status !== 0 && body.Status !== 3) throw new Error(`resolver returned DNS status ${body.Status}`);
  return (body.Answer ?? [])
    .filter((a) => a.type === TXT_TYPE && typeof a.data === "string")
    .map((a) => unquoteTxt(a.data!));
}

/**
 * Polls the DoH resolver until `value` is among the TXT values at `fqdn`, or throws
 * AppError("dns_provider_error", "TXT record for <fqdn> did not propagate within N s") once the deadline passes.
 */
export async function waitForTxtRecord(fqdn: string, value: string, options: WaitForTxtOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const name = normalizeFqdn(fqdn);
  const deadline = now() + options.timeoutMs;
  let lastProblem: string | undefined;
  for (;;) {
    const remaining = deadline - now();
    try {
      const values = await lookupTxt(name, {
        resolverUrl: options.resolverUrl,
        fetch: options.fetch,
        timeoutMs: Math.min(MAX_QUERY_MS, Math.max(MIN_QUERY_MS, remaining)),
      });
      if (values.includes(value)) return;
      lastProblem = undefined;
    } catch (error) {
      // A flaky resolver is not fatal; keep polling and report it if time runs out.
      lastProblem = error instanceof Error && error.name !== "TimeoutError" ? error.message : "resolver did not answer";
    }
    const left = deadline - now();
    if (left <= 0) break;
    await sleep(Math.min(options.intervalMs, left));
  }
  const seconds = Math.round(options.timeoutMs / 1000);
  throw new AppError(
    "dns_provider_error",
    `TXT record for ${name} did not propagate within ${seconds} s${lastProblem ? ` (last DNS-over-HTTPS query: ${lastProblem})` : ""}`,
  );
}
