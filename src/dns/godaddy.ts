/**
 * GoDaddy DNS over the Domains API v1 (https://developer.godaddy.com/doc/endpoint/domains). All TXT values at a
 * name live in one list that PUT /v1/domains/:domain/records/TXT/:name replaces whole, so present and cleanUp
 * rewrite that list; the last value goes with DELETE, as GoDaddy refuses an empty list.
 *
 * GoDaddy opens its Domains and DNS APIs in production only to accounts with 10 or more domains or a Discount Domain
 * Club plan (https://developer.godaddy.com/getstarted#apiaccess); below that, every call answers 403 ACCESS_DENIED
 * for a key that is otherwise good, which is reported as that restriction, not as a rejected key. Each endpoint takes
 * 60 requests a minute (https://www.godaddy.com/legal/agreements/godaddy-api-terms-of-use); a 429 is retried.
 */
import type { z } from "zod";
import { AppError } from "../core/errors";
import { credentialsObject, token } from "./credential-fields";
import { apiOrigins, apiUrl, codeAndMessage, createProviderClient, parseJson, providerError, providerJsonRequest, tryParseJson, sanitizeProviderMessage, unreadableResponse, type ProviderResponse } from "../outbound/provider-http";
import { clampRetryAfter } from "../outbound/retry-after";
import { cachedZones, discoverZone, normalizeFqdn, relativeName } from "./names";
import { defineDnsProvider } from "./provider-entry";
import { ZONES_LISTED, type DnsProvider, type DnsProviderOptions } from "./provider";
import { pacingOf, rateLimitedError, sendPaced, TOO_MANY_REQUESTS, type ThrottleSignal } from "./throttle";
import { txtSetMethods } from "./txt-set";

const ORIGIN = "https://api.godaddy.com";
/** The smallest TTL GoDaddy accepts. */
const TTL = 600;

/** An error body: `{ code, message }`, and for 429 `retryAfterSec` (the Domains API reference's ErrorLimit). */
interface GodaddyError {
  code?: string;
  message?: string;
  retryAfterSec?: number;
}

/** 429, waiting what GoDaddy's body asks (retryAfterSec) when it says, else what Retry-After or the backoff says. */
const THROTTLING: ThrottleSignal = {
  throttled: TOO_MANY_REQUESTS.throttled,
  hintMs(response) {
    const seconds = tryParseJson<GodaddyError>(response.text)?.retryAfterSec;
    return typeof seconds === "number" && seconds >= 0 ? clampRetryAfter(seconds) * 1000 : undefined;
  },
};

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
  const pacing = pacingOf(options);

  function call(method: string, path: string, body?: unknown): Promise<ProviderResponse> {
    const url = apiUrl(ORIGIN, options.baseUrl, `/v1${path}`);
    return sendPaced(() => providerJsonRequest(client, method, url, authorization, body), THROTTLING, pacing);
  }

  /**
   * Errors are `{ code, message }` with a machine-readable `code`: 401 (UNABLE_TO_AUTHENTICATE, MISSING_CREDENTIALS)
   * is a key GoDaddy does not accept; 403 (ACCESS_DENIED, "Authenticated user is not allowed access") is a key it
   * accepted for an account it keeps out of the API.
   */
  function failure(response: ProviderResponse, action: string) {
    const error = tryParseJson<GodaddyError>(response.text);
    const said = codeAndMessage(error?.code, error?.message);
    if (response.status === 403) return accessDenied(response, action, said);
    if (THROTTLING.throttled(response)) return rateLimitedError(client, response, action, said, THROTTLING.hintMs!(response));
    return providerError(client, response, action, said, { authFailure: response.status === 401 });
  }

  function accessDenied(response: ProviderResponse, action: string, said: string | undefined): AppError {
    const shown = sanitizeProviderMessage(client, said);
    return new AppError(
      client.errorCode,
      `GoDaddy accepted the API key but denied this account access to its DNS API, so it could not ${action} (HTTP 403${shown ? `: ${shown}` : ""}). ` +
        "GoDaddy opens its Domains and DNS APIs only to accounts with 10 or more domains or a Discount Domain Club plan " +
        "(https://developer.godaddy.com/getstarted#apiaccess); such an account needs another DNS host for DNS-01",
      { detail: { provider: client.label, status: response.status } },
    );
  }

  /**
   * The zone is the longest candidate whose NS records GoDaddy lists (GET /v1/domains/:domain/records/NS), as
   * Posh-ACME's GoDaddy plugin finds it. GET /v1/domains/:domain would not do: it describes a registration, so it
   * answers 403 for a zone hosted at GoDaddy but registered elsewhere.
   */
  const zoneFor = cachedZones((fqdn) =>
    discoverZone(client.label, fqdn, async (candidate) => {
      const response = await call("GET", `/domains/${encodeURIComponent(candidate)}/records/NS`);
      // 404: no zone of that name in this account; 400/422: not a name GoDaddy could hold a zone for.
      if (response.status === 404 || response.status === 400 || response.status === 422) return undefined;
      if (response.status >= 300) throw failure(response, `look up zone ${candidate}`);
      return candidate;
    }),
  );

  function recordsPath(zone: string, fqdn: string): string {
    return `/domains/${encodeURIComponent(zone)}/records/TXT/${encodeURIComponent(relativeName(fqdn, zone))}`;
  }

  return {
    name: godaddyDns.name,
    // Preflight (read-only): finding the zone proves the credentials work and see it.
    check: async (fqdn) => void (await zoneFor(normalizeFqdn(fqdn))),
    // GET /v1/domains (https://developer.godaddy.com/doc/endpoint/domains#/v1/list): the account's active domains.
    async listZones() {
      const action = "list domains";
      const response = await call("GET", `/domains?statuses=ACTIVE&limit=${ZONES_LISTED}`);
      if (response.status >= 300) throw failure(response, action);
      return parseJson<{ domain: string }[]>(client, response, action).map((d) => d.domain.toLowerCase()).slice(0, ZONES_LISTED);
    },
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
