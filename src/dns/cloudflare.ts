/**
 * Cloudflare DNS over the API v4: find the zone with GET /zones?name=, then list, create and delete TXT
 * records under /zones/:id/dns_records. Each TXT value is its own record, so values never clobber each other.
 */
import { AppError } from "../core/errors";
import type { CloudflareCredentials } from "./credentials";
import { apiUrl, createProviderClient, providerError, providerRequest, tryParseJson, type ProviderResponse } from "./http";
import { cachedZones, discoverZone, normalizeFqdn } from "./names";
import type { DnsProvider, DnsProviderOptions } from "./provider";
import { quoteTxt, txtMatches } from "./txt";

const ORIGIN = "https://api.cloudflare.com";
const TTL = 60;
/** Error codes Cloudflare uses for a missing, malformed, invalid or under-privileged token. */
const AUTH_ERROR_CODES = new Set([6003, 6111, 9106, 9109, 10000, 10001]);
/** "An identical record already exists." */
const IDENTICAL_RECORD = 81058;

interface Envelope<T> {
  success: boolean;
  errors?: { code: number; message: string; error_chain?: { code: number; message: string }[] }[];
  result: T;
}
interface Zone {
  id: string;
  name: string;
}
interface DnsRecord {
  id: string;
  type: string;
  name: string;
  content: string;
}

export function createCloudflareProvider(credentials: CloudflareCredentials, options: DnsProviderOptions = {}): DnsProvider {
  const client = createProviderClient("Cloudflare", "API token", [credentials.apiToken], options);

  async function call<T>(method: string, path: string, action: string, body?: unknown): Promise<{ response: ProviderResponse; envelope: Envelope<T> }> {
    const response = await providerRequest(client, apiUrl(ORIGIN, options.baseUrl, `/client/v4${path}`), {
      method,
      headers: {
        authorization: `Bearer ${credentials.apiToken}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const envelope = tryParseJson<Envelope<T>>(response.text);
    if (envelope && typeof envelope === "object") return { response, envelope };
    if (response.status < 300) {
      throw new AppError("dns_provider_error", `${client.label} returned an unreadable response to ${action} (HTTP ${response.status})`);
    }
    return { response, envelope: { success: false, result: undefined as T } };
  }

  function failure(response: ProviderResponse, envelope: Envelope<unknown>, action: string): AppError {
    return providerError(client, response, action, describeErrors(envelope), {
      authFailure: response.status === 401 || response.status === 403 || hasAuthError(envelope),
    });
  }

  async function expectSuccess<T>(method: string, path: string, action: string, body?: unknown): Promise<T> {
    const { response, envelope } = await call<T>(method, path, action, body);
    if (response.status >= 300 || !envelope.success) throw failure(response, envelope, action);
    return envelope.result;
  }

  const zoneFor = cachedZones((fqdn) =>
    discoverZone(
      client.label,
      fqdn,
      async (candidate) => {
        const found = await expectSuccess<Zone[]>("GET", `/zones?name=${encodeURIComponent(candidate)}&per_page=5`, `look up zone ${candidate}`);
        return found.find((z) => z.name.toLowerCase() === candidate);
      },
      " (the API token needs Zone:Read and DNS:Edit on the zone)",
    ),
  );

  async function listTxt(zone: Zone, fqdn: string): Promise<DnsRecord[]> {
    const records = await expectSuccess<DnsRecord[]>(
      "GET",
      `/zones/${encodeURIComponent(zone.id)}/dns_records?type=TXT&name=${encodeURIComponent(fqdn)}&per_page=100`,
      `list TXT records at ${fqdn}`,
    );
    return records.filter((r) => r.type === "TXT" && r.name.toLowerCase() === fqdn);
  }

  return {
    name: "cloudflare",

    async present(name, value) {
      const fqdn = normalizeFqdn(name);
      const zone = await zoneFor(fqdn);
      const existing = await listTxt(zone, fqdn);
      if (existing.some((r) => txtMatches(r.content, value))) return;
      // The API wants TXT content as quoted RFC 1035 character-strings.
      const action = `create a TXT record at ${fqdn}`;
      const { response, envelope } = await call<DnsRecord>("POST", `/zones/${encodeURIComponent(zone.id)}/dns_records`, action, {
        type: "TXT",
        name: fqdn,
        content: quoteTxt(value),
        ttl: TTL,
      });
      if (response.status < 300 && envelope.success) return;
      if (envelope.errors?.some((e) => e.code === IDENTICAL_RECORD)) return;
      throw failure(response, envelope, action);
    },

    async cleanUp(name, value) {
      const fqdn = normalizeFqdn(name);
      const zone = await zoneFor(fqdn);
      const mine = (await listTxt(zone, fqdn)).filter((r) => txtMatches(r.content, value));
      for (const record of mine) {
        const action = `delete the TXT record at ${fqdn}`;
        const { response, envelope } = await call<unknown>("DELETE", `/zones/${encodeURIComponent(zone.id)}/dns_records/${encodeURIComponent(record.id)}`, action);
        if (response.status === 404) continue; // already gone
        if (response.status >= 300 || !envelope.success) throw failure(response, envelope, action);
      }
    },
  };
}

function hasAuthError(envelope: Envelope<unknown>): boolean {
  return (envelope.errors ?? []).some((e) => AUTH_ERROR_CODES.has(e.code) || (e.error_chain ?? []).some((c) => AUTH_ERROR_CODES.has(c.code)));
}

function describeErrors(envelope: Envelope<unknown>): string | undefined {
  const errors = envelope.errors ?? [];
  if (errors.length === 0) return undefined;
  return errors
    .map((e) => {
      const chain = (e.error_chain ?? []).map((c) => c.message).join("; ");
      return `${e.message} (code ${e.code})${chain ? ` — ${chain}` : ""}`;
    })
    .join("; ");
}
