/**
 * The addresses a host name resolves to, over DNS-over-HTTPS (doh.ts): `fetch` does not say which address it
 * connected to, so this is how the name of a webhook URL or an HTTPS push target is checked to be public before
 * anything is sent there.
 */
import { addressProblem, type AddressRules, isIpAddress } from "../outbound/address-class";
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

export type ResolvedHostProblem =
  /** The name has no address, or an address that may not be called: a 400 at creation, a failed attempt at delivery. */
  | { kind: "refused"; message: string }
  /** The resolver could not answer: nothing is known, so nothing is sent. */
  | { kind: "unresolved"; message: string };

/**
 * Why `host` (a name, not a literal) may not be called by what it resolves to now: every A and AAAA record must pass
 * the address classifier (outbound/address-class.ts), or undefined when they all do.
 */
export async function resolvedHostProblem(host: string, options: ResolveOptions & AddressRules): Promise<ResolvedHostProblem | undefined> {
  let addresses: string[];
  try {
    addresses = await resolveAddresses(host, options);
  } catch (error) {
    return { kind: "unresolved", message: `Could not resolve ${host} to check that it is public (${error instanceof Error ? error.message : "DNS-over-HTTPS failed"})` };
  }
  if (addresses.length === 0) return { kind: "refused", message: `${host} does not resolve to any address` };
  for (const address of addresses) {
    // An answer that does not parse as an address is not trusted to be public.
    const problem = isIpAddress(address) ? addressProblem(address, options) : "Must resolve to an IP address";
    if (problem) return { kind: "refused", message: `${host} resolves to ${address}: ${problem}` };
  }
  return undefined;
}
