/** The DNS-01 layer: provider contract, the provider registry and credentials, DoH propagation check. */
export type { DnsProvider, DnsProviderOptions } from "./provider";
export type { DnsProviderEntry } from "./provider-entry";
export { dnsProviderEntry, dnsProviderNames, dnsProviders } from "./registry";
export type { DnsCredentials, DnsCredentialsMap, DnsProviderName } from "./registry";
export { dnsCredentialsSchemaFor, dnsProviderNameSchema, parseDnsCredentials } from "./credentials";
export type { AwsCredentials } from "./aws";
export type { CloudflareCredentials } from "./cloudflare";
export type { DigitaloceanCredentials } from "./digitalocean";
export type { GodaddyCredentials } from "./godaddy";
export type { GoogleCredentials } from "./google";
export type { GoogleServiceAccount } from "./google-auth";
export { createDnsProvider } from "./factory";
export { challengeRecordName, DEFAULT_DOH_RESOLVER, lookupTxt, waitForTxtRecord, waitForTxtRecords } from "./propagation";
export type { TxtLookupOptions, WaitForTxtOptions } from "./propagation";
