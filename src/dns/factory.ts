/** Builds the DnsProvider for a team's configured provider from its (already parsed) credentials. */
import type { DnsProvider, DnsProviderOptions } from "./provider";
import type { DnsProviderEntry } from "./provider-entry";
import { dnsProviderEntry, type DnsCredentialsMap, type DnsProviderName } from "./registry";

/** The DnsProvider for `name`; `credentials` must come from parseDnsCredentials(name, …). */
export function createDnsProvider<P extends DnsProviderName>(
  name: P,
  credentials: DnsCredentialsMap[P],
  options: DnsProviderOptions = {},
): DnsProvider {
  const entry: DnsProviderEntry = dnsProviderEntry(name);
  return entry.create(credentials, options);
}
