/**
 * DigitalOcean DNS over the API v2: a zone is a domain (GET /v2/domains/:name), and each TXT value is its own
 * record under /v2/domains/:name/records, so values at one name never clobber each other.
 */
import { AppError } from "../core/errors";
import type { DigitaloceanCredentials } from "./credentials";
import { apiUrl, createProviderClient, providerError, providerRequest, tryParseJson, type ProviderResponse } from "./http";
import { cachedZones, discoverZone, normalizeFqdn, relativeName } from "./names";
import type { DnsProvider, DnsProviderOptions } from "./provider";
import { txtMatches } from "./txt";

const ORIGIN = "https://api.digitalocean.com";
/** The smallest TTL DigitalOcean accepts. */
const TTL = 30;

interface DomainRecord {
  id: number;
  type: string;
  name: string;
  data: string;
}

export function createDigitaloceanProvider(credentials: DigitaloceanCredentials, options: DnsProviderOptions = {}): DnsProvider {
  const client = createProviderClient("DigitalOcean", "API token", [credentials.apiToken], options);

  async function call(method: string, path: string, body?: unknown): Promise<ProviderResponse> {
    return providerRequest(client, apiUrl(ORIGIN, options.baseUrl, `/v2${path}`), {
      method,
      headers: {
        authorization: `Bearer ${credentials.apiToken}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  function failure(response: ProviderResponse, action: string): AppError {
    const error = tryParseJson<{ id?: string; message?: string }>(response.text);
    return providerError(client, response, action, error?.message);
  }

  function json<T>(response: ProviderResponse, action: string): T {
    const parsed = tryParseJson<T>(response.text);
    if (parsed === undefined) {
      throw new AppError("dns_provider_error", `${client.label} returned an unreadable response to ${action} (HTTP ${response.status})`);
    }
    return parsed;
  }

  const zoneFor = cachedZones((fqdn) =>
    discoverZone(client.label, fqdn, async (candidate) => {
      const action = `look up domain ${candidate}`;
      const response = await call("GET", `/domains/${encodeURIComponent(candidate)}`);
      if (response.status === 404) return undefined;
      if (response.status >= 300) throw failure(response, action);
      return json<{ domain: { name: string } }>(response, action).domain.name.toLowerCase();
    }),
  );

  async function listTxt(zone: string, fqdn: string): Promise<DomainRecord[]> {
    const action = `list TXT records at ${fqdn}`;
    const relative = relativeName(fqdn, zone);
    const records: DomainRecord[] = [];
    // `name` filters by the fully qualified record name; the records carry names relative to the domain.
    for (let page = 1; page <= 20; page++) {
      const response = await call(
        "GET",
        `/domains/${encodeURIComponent(zone)}/records?type=TXT&name=${encodeURIComponent(fqdn)}&per_page=200&page=${page}`,
      );
      if (response.status >= 300) throw failure(response, action);
      const body = json<{ domain_records: DomainRecord[]; links?: { pages?: { next?: string } } }>(response, action);
      records.push(...body.domain_records.filter((r) => r.type === "TXT" && r.name.toLowerCase() === relative));
      if (!body.links?.pages?.next) break;
    }
    return records;
  }

  return {
    name: "digitalocean",

    async present(name, value) {
      const fqdn = normalizeFqdn(name);
      const zone = await zoneFor(fqdn);
      if ((await listTxt(zone, fqdn)).some((r) => txtMatches(r.data, value))) return;
      const action = `create a TXT record at ${fqdn}`;
      const response = await call("POST", `/domains/${encodeURIComponent(zone)}/records`, {
        type: "TXT",
        name: relativeName(fqdn, zone),
        data: value,
        ttl: TTL,
      });
      if (response.status >= 300) throw failure(response, action);
    },

    async cleanUp(name, value) {
      const fqdn = normalizeFqdn(name);
      const zone = await zoneFor(fqdn);
      for (const record of (await listTxt(zone, fqdn)).filter((r) => txtMatches(r.data, value))) {
        const response = await call("DELETE", `/domains/${encodeURIComponent(zone)}/records/${record.id}`);
        if (response.status === 404) continue; // already gone
        if (response.status >= 300) throw failure(response, `delete the TXT record at ${fqdn}`);
      }
    },
  };
}
