/** Builds the DnsProvider for a team's configured provider from its (already parsed) credentials. */
import { createAwsProvider } from "./aws";
import { createCloudflareProvider } from "./cloudflare";
import type { DnsCredentialsMap } from "./credentials";
import { createDigitaloceanProvider } from "./digitalocean";
import { createGodaddyProvider } from "./godaddy";
import { createGoogleProvider } from "./google";
import type { DnsProvider, DnsProviderName, DnsProviderOptions } from "./provider";

/** The DnsProvider for `name`; `credentials` must come from parseDnsCredentials(name, …). */
export function createDnsProvider<P extends DnsProviderName>(
  name: P,
  credentials: DnsCredentialsMap[P],
  options: DnsProviderOptions = {},
): DnsProvider {
  const creds = credentials as DnsCredentialsMap[DnsProviderName];
  switch (name) {
    case "cloudflare":
      return createCloudflareProvider(creds as DnsCredentialsMap["cloudflare"], options);
    case "aws":
      return createAwsProvider(creds as DnsCredentialsMap["aws"], options);
    case "digitalocean":
      return createDigitaloceanProvider(creds as DnsCredentialsMap["digitalocean"], options);
    case "godaddy":
      return createGodaddyProvider(creds as DnsCredentialsMap["godaddy"], options);
    case "google":
      return createGoogleProvider(creds as DnsCredentialsMap["google"], options);
    default:
      throw new Error(`unknown DNS provider ${String(name)}`);
  }
}
