/**
 * Waits for a DNS-01 TXT value to be visible in public DNS before the CA is asked to look, over DNS-over-HTTPS
 * (doh.ts) at a resolver such as Cloudflare's (https://cloudflare-dns.com/dns-query) or Google's (https://dns.google/resolve).
 */
import { AppError } from "../core/errors";
import { dohQuery, NOERROR, NXDOMAIN, RR_TYPE } from "./doh";
import { normalizeFqdn } from "./names";
import { unquoteTxt } from "./txt";

export { challengeRecordName } from "./names";

export const DEFAULT_DOH_RESOLVER = "https://cloudflare-dns.com/dns-query";
const MAX_QUERY_MS = 10_000;
const MIN_QUERY_MS = 1_000;

export interface TxtLookupOptions {
  /** The DoH JSON endpoint, e.g. https://cloudflare-dns.com/dns-query. */
  resolverUrl: string;
  fetch?: typeof fetch;
  /** Timeout for this one query (default 10 s). */
  timeoutMs?: number;
  /** The most of an answer's body read (outbound/bounded-body.ts; its default when absent). */
  responseLimitBytes?: number;
}

export interface WaitForTxtOptions {
  resolverUrl: string;
  fetch?: typeof fetch;
  /** The most of an answer's body read (outbound/bounded-body.ts; its default when absent). */
  responseLimitBytes?: number;
  /** How long to keep looking before giving up (the budget an error names). */
  timeoutMs: number;
  /** When to give up (epoch ms), if the budget started earlier than this call; default now + timeoutMs. */
  deadline?: number;
  /** Pause between queries. */
  intervalMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The TXT values at `fqdn` as the resolver sees them (quotes stripped, split strings joined). An NXDOMAIN or
 * empty answer is `[]`; a resolver failure throws.
 */
export async function lookupTxt(fqdn: string, options: TxtLookupOptions): Promise<string[]> {
  const { status, answers } = await dohQuery(normalizeFqdn(fqdn), "TXT", { ...options, timeoutMs: options.timeoutMs ?? MAX_QUERY_MS });
  // NXDOMAIN: nothing there yet. Other RCODEs (SERVFAIL, REFUSED…) are failures.
  if (status !== NOERROR && status !== NXDOMAIN) throw new Error(`resolver returned DNS status ${status}`);
  return answers.filter((a) => a.type === RR_TYPE.TXT).map((a) => unquoteTxt(a.data));
}

/**
 * Polls the DoH resolver until `value` is among the TXT values at `fqdn`, or throws
 * AppError("dns_provider_error", "TXT record for <fqdn> did not propagate within N s") once the deadline passes.
 */
export function waitForTxtRecord(fqdn: string, value: string, options: WaitForTxtOptions): Promise<void> {
  return waitForTxtRecords(new Map([[fqdn, [value]]]), options);
}

/**
 * Polls the DoH resolver until every value expected at every name is among that name's TXT values, asking once per
 * name and round; a name found complete is not asked again. Throws AppError("dns_provider_error") naming the names
 * still incomplete once the deadline passes.
 *
 * Every value at a name is looked for in one answer: a resolver caches the whole answer for its TTL (RFC 1035 §3.2.1,
 * RFC 2181 §5.2), so a name queried while only some of its values were there shows no more until that TTL ends.
 */
export async function waitForTxtRecords(expected: ReadonlyMap<string, readonly string[]>, options: WaitForTxtOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pending = new Map<string, { values: readonly string[]; seen: number; problem?: string }>();
  for (const [fqdn, values] of expected) {
    const name = normalizeFqdn(fqdn);
    pending.set(name, { values: [...(pending.get(name)?.values ?? []), ...values], seen: 0 });
  }
  const deadline = options.deadline ?? now() + options.timeoutMs;
  for (;;) {
    for (const [name, state] of pending) {
      const remaining = deadline - now();
      try {
        const visible = await lookupTxt(name, {
          resolverUrl: options.resolverUrl,
          fetch: options.fetch,
          responseLimitBytes: options.responseLimitBytes,
          timeoutMs: Math.min(MAX_QUERY_MS, Math.max(MIN_QUERY_MS, remaining)),
        });
        state.seen = state.values.filter((value) => visible.includes(value)).length;
        state.problem = undefined;
        if (state.seen === state.values.length) pending.delete(name);
      } catch (error) {
        // A flaky resolver is not fatal; keep polling and report it if time runs out.
        state.problem = error instanceof Error && error.name !== "TimeoutError" ? error.message : "resolver did not answer";
      }
    }
    if (pending.size === 0) return;
    const left = deadline - now();
    if (left <= 0) break;
    await sleep(Math.min(options.intervalMs, left));
  }
  throw notPropagated(pending, options.timeoutMs);
}

function notPropagated(pending: ReadonlyMap<string, { values: readonly string[]; seen: number; problem?: string }>, timeoutMs: number): AppError {
  const seconds = Math.round(timeoutMs / 1000);
  const names = [...pending.keys()];
  const reasons = [...pending].flatMap(([name, { values, seen, problem }]) => {
    const why = [seen > 0 ? `${seen} of ${values.length} values visible` : "", problem ? `last DNS-over-HTTPS query: ${problem}` : ""].filter(Boolean);
    if (why.length === 0) return [];
    return [names.length === 1 ? why.join("; ") : `${name}: ${why.join(", ")}`];
  });
  const subject = names.length === 1 ? `TXT record for ${names[0]}` : `TXT records for ${names.join(", ")}`;
  return new AppError("dns_provider_error", `${subject} did not propagate within ${seconds} s${reasons.length > 0 ? ` (${reasons.join("; ")})` : ""}`);
}
