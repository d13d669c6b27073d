/** The DNS-01 provider contract: put one TXT value at a name beside others, and take that one value away again. */

/**
 * A DNS host that can present and clean up ACME DNS-01 challenge records (RFC 8555 §8.4).
 * Failures are AppError("dns_provider_error") with a message that names the provider and never a credential.
 */
export interface DnsProvider {
  /** The registry name of its kind (registry.ts lists them; the contract is not tied to the list). */
  readonly name: string;
  /**
   * Adds a TXT record `value` at `fqdn` BESIDE any existing TXT values at that name (a wildcard and its
   * apex share _acme-challenge.<domain>). MUST return once the provider has accepted the change.
   * Presenting a value that is already there is a no-op.
   */
  present(fqdn: string, value: string): Promise<void>;
  /**
   * Preflight, read-only: finds the zone holding `fqdn` with these credentials (and, where the adapter can, reads
   * in it), so credentials that fail or see no zone are reported before any order is placed. Changes nothing.
   */
  check?(fqdn: string): Promise<void>;
  /**
   * Read-only: the public zones these credentials can see (names without the trailing dot), the first page of the
   * provider's own zone listing, at most ZONES_LISTED. A saved DNS connection is probed with it before it is stored
   * (services/dns-connections.ts): credentials the provider refuses fail here, with the provider's reason.
   */
  listZones?(): Promise<string[]>;
  /**
   * For providers that report when an accepted change reaches all of their authoritative servers (Route 53
   * `INSYNC`, Cloud DNS `done`): returns once every change this provider made so far has, or throws a
   * dns_provider_error at `deadline` (epoch ms). Providers without such a status leave it out.
   */
  settle?(deadline: number): Promise<void>;
  /** Removes only that one TXT value at `fqdn`, leaving others. Idempotent: absent is fine. */
  cleanUp(fqdn: string, value: string): Promise<void>;
}

/** The most zones listZones answers: a saved connection shows them as a hint, not an inventory. */
export const ZONES_LISTED = 50;

export interface DnsProviderOptions {
  /** The fetch used for every provider call (tests pass a fake of the provider's API). */
  fetch?: typeof fetch;
  /** Overrides the provider API origin, e.g. "http://127.0.0.1:8787"; the API's path prefix is kept. */
  baseUrl?: string;
  /** Per-call timeout in milliseconds (default 15 s). */
  timeoutMs?: number;
  /** The most of an answer's body read (OUTBOUND_RESPONSE_MAX_KIB; outbound/bounded-body.ts's default when absent). */
  responseLimitBytes?: number;
  /** Waits between repeats of a throttled call and between change-status polls (tests pass a virtual clock's). */
  sleep?: (ms: number) => Promise<void>;
  /** The clock for those waits and for Retry-After dates (default Date.now). */
  now?: () => number;
}
