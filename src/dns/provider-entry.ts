/** The registry entry each DNS provider module exports: its name, its label, its credentials and its constructor. */
import type { z } from "zod";
import type { DnsProvider, DnsProviderOptions } from "./provider";

export interface DnsProviderEntry<Name extends string = string, Credentials extends z.ZodObject = z.ZodObject> {
  /** The name used in the API and in stored credentials ("cloudflare"). */
  readonly name: Name;
  /** The provider as people call it ("AWS Route 53"); every error about it starts with this. */
  readonly label: string;
  /** The credentials a team submits: a strict object whose messages name the field and the rule, never the value. */
  readonly credentials: Credentials;
  /** Builds the provider from credentials `credentials` has parsed. */
  create(credentials: z.output<Credentials>, options?: DnsProviderOptions): DnsProvider;
}

/** Checks `entry` against the entry shape while keeping its literal name and its credentials type. */
export function defineDnsProvider<const Name extends string, Credentials extends z.ZodObject>(
  entry: DnsProviderEntry<Name, Credentials>,
): DnsProviderEntry<Name, Credentials> {
  return entry;
}
