/**
 * Every DNS-01 provider Certdesk can drive, one line each. The provider names, the credentials each takes and
 * the constructor behind createDnsProvider all come from here; a provider's own module holds its entry.
 */
import type { z } from "zod";
import { awsDns } from "./aws";
import { cloudflareDns } from "./cloudflare";
import { digitaloceanDns } from "./digitalocean";
import { godaddyDns } from "./godaddy";
import { googleDns } from "./google";

/** In the order the API lists them. */
export const dnsProviders = [cloudflareDns, awsDns, digitaloceanDns, godaddyDns, googleDns] as const;

type Entry = (typeof dnsProviders)[number];

/** The DNS hosts a team can connect (the names used in the API and in stored credentials). */
export type DnsProviderName = Entry["name"];

export const dnsProviderNames: readonly DnsProviderName[] = dnsProviders.map((entry) => entry.name);

/** Each provider's parsed credentials. */
export type DnsCredentialsMap = { [E in Entry as E["name"]]: z.output<E["credentials"]> };
export type DnsCredentials = DnsCredentialsMap[DnsProviderName];

/** The registry entry for `name`; throws for a name that is not registered (only possible past the type system). */
export function dnsProviderEntry<P extends DnsProviderName>(name: P): Extract<Entry, { name: P }> {
  const entry = dnsProviders.find((candidate) => candidate.name === name);
  if (!entry) throw new Error(`unknown DNS provider ${String(name)}`);
  return entry as Extract<Entry, { name: P }>;
}
