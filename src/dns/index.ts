/** The DNS-01 layer: provider contract, credentials, one implementation per provider, DoH propagation check. */
export type { DnsProvider, DnsProviderName, DnsProviderOptions } from "./provider";
export { dnsProviderNames } from "./provider";
export * from "./credentials";
export { createDnsProvider } from "./factory";
export { challengeRecordName, DEFAULT_DOH_RESOLVER, lookupTxt, waitForTxtRecord } from "./propagation";
export type { TxtLookupOptions, WaitForTxtOptions } from "./propagation";
