/**
 * GoDaddy DNS over the Domains API v1. All TXT values at a name live in one list that PUT
 * /v1/domains/:domain/records/TXT/:name replaces whole, so both present and cleanUp read, modify and write
 * that list (serialised per name); the last value goes with DELETE, as GoDaddy refuses an empty list.
 */
import { AppError } from "../core/errors";
import type { GodaddyCredentials } from "./credentials";
import { apiUrl, createProviderClient, providerError, providerRequest, tryParseJson, type ProviderResponse } from "./http";
import { KeyedLock } from "./keyed-lock";
import { cachedZones, discoverZone, normalizeFqdn, relativeName } from "./names";
import type { DnsProvider, DnsProviderOptions } from "./provider";
import { txtMatches } from "./txt";

const ORIGIN = "https://api.godaddy.com";
/** The smallest TTL GoDaddy accepts. */
const TTL = 600;

interface TxtRecord {
  data: string;
  ttl: number;
}

export function createGodaddyProvider(credentials: GodaddyCredentials, options: DnsProviderOptions = {}): DnsProvider {
  const client = createProviderClient("GoDaddy", "API key", [credentials.apiKey, credentials.apiSecret], options);
  const lock = new KeyedLock();

  async function call(method: string, path: string, body?: unknown): Promise<ProviderResponse> {
    return providerRequest(client, apiUrl(ORIGIN, options.baseUrl, `/v1${path}`), {
      method,
      headers: {
        authorization: `sso-key ${credentials.apiKey}:${credentials.apiSecret}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  function failure(response: ProviderResponse, action: string): AppError {
    const error = tryParseJson<{ code?: string; message?: string }>(response.text);
    const said = [error?.code, error?.message].filter(Boolean).join(": ");
    return providerError(client, response, action, said || undefined);
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

  async function readTxt(zone: string, fqdn: string): Promise<TxtRecord[]> {
    const action = `read the TXT records at ${fqdn}`;
    const response = await call("GET", recordsPath(zone, fqdn));
    if (response.status === 404) return [];
    if (response.status >= 300) throw failure(response, action);
    const records = tryParseJson<TxtRecord[]>(response.text);
    if (!Array.isArray(records)) {
      throw new AppError("dns_provider_error", `${client.label} returned an unreadable response to ${action} (HTTP ${response.status})`);
    }
    return records.map((r) => ({ data: r.data, ttl: r.ttl }));
  }

  async function writeTxt(zone: string, fqdn: string, records: TxtRecord[], action: string): Promise<void> {
    const response = await call("PUT", recordsPath(zone, fqdn), records);
    if (response.status >= 300) throw failure(response, action);
  }

  return {
    name: "godaddy",

    async present(name, value) {
      const fqdn = normalizeFqdn(name);
      const zone = await zoneFor(fqdn);
      await lock.run(fqdn, async () => {
        const existing = await readTxt(zone, fqdn);
        if (existing.some((r) => txtMatches(r.data, value))) return;
        await writeTxt(zone, fqdn, [...existing, { data: value, ttl: TTL }], `add a TXT value at ${fqdn}`);
      });
    },

    async cleanUp(name, value) {
      const fqdn = normalizeFqdn(name);
      const zone = await zoneFor(fqdn);
      await lock.run(fqdn, async () => {
        const existing = await readTxt(zone, fqdn);
        if (!existing.some((r) => txtMatches(r.data, value))) return;
        const remaining = existing.filter((r) => !txtMatches(r.data, value));
        if (remaining.length > 0) {
          await writeTxt(zone, fqdn, remaining, `remove a TXT value at ${fqdn}`);
          return;
        }
        const response = await call("DELETE", recordsPath(zone, fqdn));
        if (response.status === 404) return; // already gone
        if (response.status >= 300) throw failure(response, `delete the TXT record at ${fqdn}`);
      });
    },
  };
}
