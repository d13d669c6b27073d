/**
 * Cloudflare DNS over the API v4 (https://developers.cloudflare.com/api/resources/dns/): find the zone with
 * GET /zones?name=, then list, create and delete TXT records under /zones/:id/dns_records. Each TXT value is its
 * own record, so values never clobber each other. Past the API's rate limit (1200 requests per five minutes) calls
 * answer 429 with Retry-After (https://developers.cloudflare.com/fundamentals/api/reference/limits/); they are retried.
 */
import type { z } from "zod";
import { credentialsObject, token } from "./credential-fields";
import { apiOrigins, apiUrl, createProviderClient, providerError, providerJsonRequest, tryParseJson, unreadableResponse, type ProviderResponse } from "../outbound/provider-http";
import { cachedZones, discoverZone, normalizeFqdn } from "./names";
import { defineDnsProvider } from "./provider-entry";
import { ZONES_LISTED, type DnsProvider, type DnsProviderOptions } from "./provider";
import { pacingOf, sendPaced, TOO_MANY_REQUESTS } from "./throttle";
import { txtRecordMethods } from "./txt-records";
import { quoteTxt } from "./txt";

const ORIGIN = "https://api.cloudflare.com";
const TTL = 60;
/**
 * Failures carry numeric `errors[].code`s in the v4 envelope (the 4XX response of every endpoint, e.g.
 * https://developers.cloudflare.com/api/resources/dns/subresources/records/methods/create/). These mean a
 * missing, malformed, invalid or under-privileged token: 6003 invalid request headers, 6111 invalid
 * Authorization header, 9106/9109 missing or invalid credentials, 10000/10001 authentication error.
 */
const AUTH_ERROR_CODES = new Set([6003, 6111, 9106, 9109, 10000, 10001]);
/** 81058, "An identical record already exists.", from POST /zones/:id/dns_records. */
const IDENTICAL_RECORD_CODES = new Set([81058]);

/** An API token (https://developers.cloudflare.com/fundamentals/api/get-started/create-token/). */
export const cloudflareCredentialsSchema = credentialsObject({ apiToken: token(512) });
export type CloudflareCredentials = z.infer<typeof cloudflareCredentialsSchema>;

export const cloudflareDns = defineDnsProvider({
  name: "cloudflare",
  label: "Cloudflare",
  credentials: cloudflareCredentialsSchema,
  create: createCloudflareProvider,
});

/** The API v4 response envelope: `success`, `errors[]` with numeric codes, and `result`. */
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
  const client = createProviderClient(cloudflareDns.label, "API token", [credentials.apiToken], options, apiOrigins([ORIGIN], options.baseUrl));
  const pacing = pacingOf(options);

  async function call<T>(method: string, path: string, action: string, body?: unknown): Promise<{ response: ProviderResponse; envelope: Envelope<T> }> {
    const url = apiUrl(ORIGIN, options.baseUrl, `/client/v4${path}`);
    const response = await sendPaced(() => providerJsonRequest(client, method, url, `Bearer ${credentials.apiToken}`, body), TOO_MANY_REQUESTS, pacing);
    const envelope = tryParseJson<Envelope<T>>(response.text);
    if (envelope && typeof envelope === "object") return { response, envelope };
    if (response.status < 300) throw unreadableResponse(client, response, action);
    return { response, envelope: { success: false, result: undefined as T } };
  }

  function failure(response: ProviderResponse, envelope: Envelope<unknown>, action: string) {
    return providerError(client, response, action, describeErrors(envelope), {
      authFailure: response.status === 401 || response.status === 403 || hasErrorCode(envelope, AUTH_ERROR_CODES),
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

  return {
    name: cloudflareDns.name,
    // Preflight (read-only): finding the zone proves the credentials work and see it.
    check: async (fqdn) => void (await zoneFor(normalizeFqdn(fqdn))),
    // List Zones (https://developers.cloudflare.com/api/resources/zones/methods/list/): 50 is its largest page.
    listZones: async () =>
      (await expectSuccess<Zone[]>("GET", `/zones?per_page=${ZONES_LISTED}`, "list zones")).map((z) => z.name.toLowerCase()).slice(0, ZONES_LISTED),
    ...txtRecordMethods<Zone, DnsRecord>(zoneFor, {
      async list(zone, fqdn) {
        const records = await expectSuccess<DnsRecord[]>(
          "GET",
          `/zones/${encodeURIComponent(zone.id)}/dns_records?type=TXT&name=${encodeURIComponent(fqdn)}&per_page=100`,
          `list TXT records at ${fqdn}`,
        );
        return records.filter((r) => r.type === "TXT" && r.name.toLowerCase() === fqdn);
      },

      data: (record) => record.content,

      async create(zone, fqdn, value) {
        const action = `create a TXT record at ${fqdn}`;
        // The API wants TXT content as quoted RFC 1035 character-strings.
        const { response, envelope } = await call<DnsRecord>("POST", `/zones/${encodeURIComponent(zone.id)}/dns_records`, action, {
          type: "TXT",
          name: fqdn,
          content: quoteTxt(value),
          ttl: TTL,
        });
        if (response.status < 300 && envelope.success) return;
        // A concurrent writer got there first: the value is present, which is all present promises.
        if (hasErrorCode(envelope, IDENTICAL_RECORD_CODES)) return;
        throw failure(response, envelope, action);
      },

      async remove(zone, fqdn, record) {
        const action = `delete the TXT record at ${fqdn}`;
        const path = `/zones/${encodeURIComponent(zone.id)}/dns_records/${encodeURIComponent(record.id)}`;
        const { response, envelope } = await call<unknown>("DELETE", path, action);
        if (response.status === 404) return; // already gone
        if (response.status >= 300 || !envelope.success) throw failure(response, envelope, action);
      },
    }),
  };
}

/** Whether any of the envelope's errors, or the errors they chain, carries one of `codes`. */
function hasErrorCode(envelope: Envelope<unknown>, codes: ReadonlySet<number>): boolean {
  return (envelope.errors ?? []).some((e) => codes.has(e.code) || (e.error_chain ?? []).some((c) => codes.has(c.code)));
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
