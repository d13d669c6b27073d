/**
 * DigitalOcean DNS over the API v2 (https://docs.digitalocean.com/reference/api/digitalocean/#tag/Domain-Records):
 * a zone is a domain (GET /v2/domains/:name), and each TXT value is its own record under
 * /v2/domains/:name/records, so values at one name never clobber each other. Past the API's rate limits calls answer
 * 429 with Retry-After (https://docs.digitalocean.com/reference/api/digitalocean/#section/Introduction/Rate-Limit,
 * https://docs.digitalocean.com/notes/2023/api-rate-limit/); they are retried.
 */
import type { z } from "zod";
import { credentialsObject, token } from "./credential-fields";
import { apiOrigins, apiUrl, createProviderClient, parseJson, providerError, providerJsonRequest, tryParseJson, type ProviderResponse } from "../outbound/provider-http";
import { cachedZones, discoverZone, normalizeFqdn, relativeName } from "./names";
import { defineDnsProvider } from "./provider-entry";
import { ZONES_LISTED, type DnsProvider, type DnsProviderOptions } from "./provider";
import { pacingOf, sendPaced, TOO_MANY_REQUESTS } from "./throttle";
import { txtRecordMethods } from "./txt-records";

const ORIGIN = "https://api.digitalocean.com";
/** The smallest TTL DigitalOcean accepts. */
const TTL = 30;
const MAX_PAGES = 20;

/** A personal access token with read and write scope (https://docs.digitalocean.com/reference/api/create-personal-access-token/). */
export const digitaloceanCredentialsSchema = credentialsObject({ apiToken: token(512) });
export type DigitaloceanCredentials = z.infer<typeof digitaloceanCredentialsSchema>;

export const digitaloceanDns = defineDnsProvider({
  name: "digitalocean",
  label: "DigitalOcean",
  credentials: digitaloceanCredentialsSchema,
  create: createDigitaloceanProvider,
});

interface DomainRecord {
  id: number;
  type: string;
  name: string;
  data: string;
}

export function createDigitaloceanProvider(credentials: DigitaloceanCredentials, options: DnsProviderOptions = {}): DnsProvider {
  const client = createProviderClient(digitaloceanDns.label, "API token", [credentials.apiToken], options, apiOrigins([ORIGIN], options.baseUrl));
  const pacing = pacingOf(options);

  function call(method: string, path: string, body?: unknown): Promise<ProviderResponse> {
    const url = apiUrl(ORIGIN, options.baseUrl, `/v2${path}`);
    return sendPaced(() => providerJsonRequest(client, method, url, `Bearer ${credentials.apiToken}`, body), TOO_MANY_REQUESTS, pacing);
  }

  /** Errors are `{ id, message }` with a machine-readable `id` such as "not_found" (API v2, "Errors"). */
  function failure(response: ProviderResponse, action: string) {
    const error = tryParseJson<{ id?: string; message?: string }>(response.text);
    return providerError(client, response, action, error?.message);
  }

  const zoneFor = cachedZones((fqdn) =>
    discoverZone(client.label, fqdn, async (candidate) => {
      const action = `look up domain ${candidate}`;
      const response = await call("GET", `/domains/${encodeURIComponent(candidate)}`);
      if (response.status === 404) return undefined;
      if (response.status >= 300) throw failure(response, action);
      return parseJson<{ domain: { name: string } }>(client, response, action).domain.name.toLowerCase();
    }),
  );

  return {
    name: digitaloceanDns.name,
    // Preflight (read-only): finding the zone proves the credentials work and see it.
    check: async (fqdn) => void (await zoneFor(normalizeFqdn(fqdn))),
    // List All Domains (https://docs.digitalocean.com/reference/api/digitalocean/#tag/Domains/operation/domains_list).
    async listZones() {
      const action = "list domains";
      const response = await call("GET", `/domains?per_page=${ZONES_LISTED}`);
      if (response.status >= 300) throw failure(response, action);
      return (parseJson<{ domains?: { name: string }[] }>(client, response, action).domains ?? []).map((d) => d.name.toLowerCase()).slice(0, ZONES_LISTED);
    },
    ...txtRecordMethods<string, DomainRecord>(zoneFor, {
      async list(zone, fqdn) {
        const action = `list TXT records at ${fqdn}`;
        const relative = relativeName(fqdn, zone);
        const records: DomainRecord[] = [];
        // `name` filters by the fully qualified record name; the records carry names relative to the domain.
        for (let page = 1; page <= MAX_PAGES; page++) {
          const query = `type=TXT&name=${encodeURIComponent(fqdn)}&per_page=200&page=${page}`;
          const response = await call("GET", `/domains/${encodeURIComponent(zone)}/records?${query}`);
          if (response.status >= 300) throw failure(response, action);
          const body = parseJson<{ domain_records: DomainRecord[]; links?: { pages?: { next?: string } } }>(client, response, action);
          records.push(...body.domain_records.filter((r) => r.type === "TXT" && r.name.toLowerCase() === relative));
          if (!body.links?.pages?.next) break;
        }
        return records;
      },

      data: (record) => record.data,

      async create(zone, fqdn, value) {
        const body = { type: "TXT", name: relativeName(fqdn, zone), data: value, ttl: TTL };
        const response = await call("POST", `/domains/${encodeURIComponent(zone)}/records`, body);
        if (response.status >= 300) throw failure(response, `create a TXT record at ${fqdn}`);
      },

      async remove(zone, fqdn, record) {
        const response = await call("DELETE", `/domains/${encodeURIComponent(zone)}/records/${record.id}`);
        if (response.status === 404) return; // already gone
        if (response.status >= 300) throw failure(response, `delete the TXT record at ${fqdn}`);
      },
    }),
  };
}
