/**
 * GoDaddy DNS over the Domains API v1 (https://developer.godaddy.com/doc/endpoint/domains). All TXT values at a
 * name live in one list that PUT /v1/domains/:domain/records/TXT/:name replaces whole, so present and cleanUp
 * rewrite that list; the last value goes with DELETE, as GoDaddy refuses an empty list.
 */
import type { z } from "zod";
import { credentialsObject, token } from "./credential-fields";
import { apiOrigins, apiUrl, codeAndMessage, createProviderClient, parseJson, providerError, providerJsonRequest, tryParseJson, unreadableResponse, type ProviderResponse } from "../outbound/provider-http";
import { cachedZones, discoverZone, relativeName } from "./names";
import { defineDnsProvider } from "./provider-entry";
import type { DnsProvider, DnsProviderOptions } from "./provider";
import { txtSetMethods } from "./txt-set";

const ORIGIN = "https://api.godaddy.com";
/** The smallest TTL GoDaddy accepts. */
const TTL = 600;

/** A production API key and secret (https://developer.godaddy.com/keys), sent as `sso-key <key>:<secret>`. */
export const godaddyCredentialsSchema = credentialsObject({
  apiKey: token(256).regex(/^[^:]+$/, { error: "Must not contain ':'" }),
  apiSecret: token(256),
});
export type GodaddyCredentials = z.infer<typeof godaddyCredentialsSchema>;

export const godaddyDns = defineDnsProvider({
  name: "godaddy",
  label: "GoDaddy",
  credentials: godaddyCredentialsSchema,
  create: createGodaddyProvider,
});

interface TxtRecord {
  data: string;
  ttl: number;
}

export function createGodaddyProvider(credentials: GodaddyCredentials, options: DnsProviderOptions = {}): DnsProvider {
  const client = createProviderClient(
    godaddyDns.label,
    "API key",
    [credentials.apiKey, credentials.apiSecret],
    options,
    apiOrigins([ORIGIN], options.baseUrl),
  );
  const authorization = `sso-key ${credentials.apiKey}:${credentials.apiSecret}`;

  function call(method: string, path: string, body?: unknown): Promise<ProviderResponse> {
    return providerJsonRequest(client, method, apiUrl(ORIGIN, options.baseUrl, `/v1${path}`), authorization, body);
  }

  /** Errors are `{ code, message }` with a machine-readable `code` such as "UNABLE_TO_AUTHENTICATE". */
  function failure(response: ProviderResponse, action: string) {
    const error = tryParseJson<{ code?: string; message?: string }>(response.text);
    return providerError(client, response, action, codeAndMessage(error?.code, error?.message));
  }

  const zoneFor = cachedZones((fqdn) =>
    discoverZone(client.label, fqdn, async (candidate) => {
      const response = await call("GET", `/domains/${encodeURIComponent(candidate)}`);
      // 404: not a domain in this account; 400/422: not a registrable domain name at all.
      if (response.status === 404 || response.status === 400 || response.status === 422) return undefined;
      if (response.status >= 300) throw failure(response, `look up domain ${candidate}`);
      return candidate;
    }),
  );

  function recordsPath(zone: string, fqdn: string): string {
    return `/domains/${encodeURIComponent(zone)}/records/TXT/${encodeURIComponent(relativeName(fqdn, zone))}`;
  }

  return {
    name: godaddyDns.name,
    ...txtSetMethods<string, TxtRecord[]>(zoneFor, {
      async read(zone, fqdn) {
        const action = `read the TXT records at ${fqdn}`;
        const response = await call("GET", recordsPath(zone, fqdn));
        if (response.status === 404) return undefined;
        if (response.status >= 300) throw failure(response, action);
        const records = parseJson<TxtRecord[]>(client, response, action);
        if (!Array.isArray(records)) throw unreadableResponse(client, response, action);
        return records.length > 0 ? records.map((r) => ({ data: r.data, ttl: r.ttl })) : undefined;
      },

      data: (records) => records.map((r) => r.data),

      encode: (value) => value,

      // Each record keeps its own TTL; a new value gets the smallest one GoDaddy accepts.
      withData: (current, _fqdn, data) => data.map((d) => current?.find((r) => r.data === d) ?? { data: d, ttl: TTL }),

      async write(zone, fqdn, _current, next, action) {
        const response = await call("PUT", recordsPath(zone, fqdn), next);
        if (response.status >= 300) throw failure(response, action);
        return undefined;
      },

      async remove(zone, fqdn, _current, action) {
        const response = await call("DELETE", recordsPath(zone, fqdn));
        if (response.status >= 300 && response.status !== 404) throw failure(response, action); // 404: already gone
        return undefined;
      },
    }),
  };
}
