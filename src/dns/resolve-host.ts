/**
 * The addresses a host name resolves to, over DNS-over-HTTPS (doh.ts): `fetch` does not say which address it
 * connected to, so this is how a webhook URL's name is checked to be public before anything is sent there.
 */
import { dohQuery, NOERROR, NXDOMAIN, RR_TYPE } from "./doh";

const QUERY_MS = 5_000;

export interface ResolveOptions {
  resolverUrl: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** The most of an answer's body read (outbound/bounded-body.ts; its default when absent). */
  responseLimitBytes?: number;
}

async function query(name: string, type: "A" | "AAAA", options: ResolveOptions): Promise<string[]> {
  const { status, answers } = await dohQuery(name, type, { ...options, timeoutMs: options.timeoutMs ?? QUERY_MS });
  // NXDOMAIN: no addresses. Other RCODEs (SERVFAIL, REFUSED…) are failures.
  if (status !== NOERROR && status !== NXDOMAIN) throw new Error(`resolver returned DNS status ${status}`);
  // The resolver follows CNAMEs; only the address records at the end count.
  return answers.filter((a) => a.type === RR_TYPE[type]).map((a) => a.data.trim());
}

/** Every IPv4 and IPv6 address of `name` (empty when it has none); throws when the resolver fails. */
export async function resolveAddresses(name: string, options: ResolveOptions): Promise<string[]> {
  const [v4, v6] = await Promise.all([query(name, "A", options), query(name, "AAAA", options)]);
  return [...v4, ...v6];
}
