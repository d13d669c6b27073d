/**
 * Google Cloud DNS over the v1 REST API (https://cloud.google.com/dns/docs/reference/rest/v1). A TXT name is one
 * resource record set; a change is atomic additions + deletions where a deletion must match the current set
 * exactly, so present and cleanUp replace the set whole. A change is `pending` until it is in effect on every
 * authoritative server, then `done` (https://cloud.google.com/dns/docs/reference/rest/v1/changes): settle polls
 * changes.get (https://cloud.google.com/dns/docs/reference/rest/v1/changes/get) for that. Throttling is HTTP 429
 * RESOURCE_EXHAUSTED (https://cloud.google.com/apis/design/errors#handling_errors), retried with backoff.
 */
import type { z } from "zod";
import { credentialsObject, matching } from "./credential-fields";
import { createGoogleTokenSource, GOOGLE_TOKEN_ORIGIN, googleServiceAccountSchema, googleTokenUrl } from "./google-auth";
import { apiOrigins, apiUrl, codeAndMessage, createProviderClient, parseJson, providerError, providerJsonRequest, tryParseJson, type ProviderResponse } from "../outbound/provider-http";
import { cachedZones, discoverZone, normalizeFqdn } from "./names";
import { defineDnsProvider } from "./provider-entry";
import { ZONES_LISTED, type DnsProvider, type DnsProviderOptions } from "./provider";
import { pendingChanges } from "./pending-changes";
import { pacingOf, sendPaced, TOO_MANY_REQUESTS } from "./throttle";
import { txtSetMethods } from "./txt-set";
import { quoteTxt } from "./txt";

const ORIGIN = "https://dns.googleapis.com";
const TTL = 60;
/** A change's status once it is in effect everywhere (the other is `pending`). */
const DONE = "done";
/**
 * What changes.create answers when the zone moved on since we read it: 412 (reason conditionNotMet) for a
 * deletion that no longer matches, 409 (reason alreadyExists) for an addition someone made first
 * (https://cloud.google.com/dns/docs/reference/rest/v1/changes/create, https://cloud.google.com/apis/design/errors).
 */
const CONFLICT_STATUSES = new Set([409, 412]);

/** A project, a service-account key file with the DNS Administrator role, and optionally the managed zone to use. */
export const googleCredentialsSchema = credentialsObject({
  projectId: matching(/^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "Must be a Google Cloud project ID"),
  credentials: googleServiceAccountSchema,
  managedZone: matching(/^[a-z0-9][a-z0-9-]{0,62}$/, "Must be a Cloud DNS managed zone name").optional(),
});
export type GoogleCredentials = z.infer<typeof googleCredentialsSchema>;

export const googleDns = defineDnsProvider({
  name: "google",
  label: "Google Cloud DNS",
  credentials: googleCredentialsSchema,
  create: createGoogleProvider,
});

interface ResourceRecordSet {
  name: string;
  type: string;
  ttl: number;
  rrdatas: string[];
}

/**
 * Calls go to Cloud DNS and Google's token endpoint only. `options.baseUrl` (the operator's test override)
 * replaces both origins, keeping their paths; nothing a team submits chooses a host.
 */
export function createGoogleProvider(credentials: GoogleCredentials, options: DnsProviderOptions = {}): DnsProvider {
  const client = createProviderClient(
    googleDns.label,
    "service account credentials",
    [credentials.credentials.private_key],
    options,
    apiOrigins([ORIGIN, GOOGLE_TOKEN_ORIGIN], options.baseUrl),
  );
  const accessToken = createGoogleTokenSource(client, credentials.credentials, googleTokenUrl(options.baseUrl));
  const project = `/dns/v1/projects/${encodeURIComponent(credentials.projectId)}`;
  const pacing = pacingOf(options);

  /** One call, sent again while Cloud DNS answers 429; any other status comes back, for the caller to judge. */
  function send(method: string, path: string, body?: unknown): Promise<ProviderResponse> {
    const url = apiUrl(ORIGIN, options.baseUrl, `${project}${path}`);
    return sendPaced(async () => providerJsonRequest(client, method, url, `Bearer ${await accessToken()}`, body), TOO_MANY_REQUESTS, pacing);
  }

  async function call<T>(method: string, path: string, action: string, body?: unknown): Promise<T> {
    const response = await send(method, path, body);
    if (response.status >= 300) throw failure(response, action);
    return parseJson<T>(client, response, action);
  }

  /** Errors follow Google's API error model: `{ error: { code, message, status, errors[] } }`. */
  function failure(response: ProviderResponse, action: string) {
    const body = tryParseJson<{ error?: { message?: string; status?: string } }>(response.text);
    return providerError(client, response, action, codeAndMessage(body?.error?.status, body?.error?.message));
  }

  const discovered = cachedZones((fqdn) =>
    discoverZone(client.label, fqdn, async (candidate) => {
      const body = await call<{ managedZones?: { name: string; dnsName: string; visibility?: string }[] }>(
        "GET",
        `/managedZones?dnsName=${encodeURIComponent(`${candidate}.`)}`,
        `look up managed zone ${candidate}`,
      );
      return (body.managedZones ?? []).find(
        (z) => z.dnsName.toLowerCase().replace(/\.$/, "") === candidate && z.visibility !== "private",
      )?.name;
    }),
  );
  function zoneFor(fqdn: string): Promise<string> {
    return credentials.managedZone ? Promise.resolve(credentials.managedZone) : discovered(fqdn);
  }

  /** Changes Cloud DNS accepted as `pending`, until changes.get says `done`. */
  const changes = pendingChanges<{ zone: string; id: string }>(client, pacing, {
    async status({ zone, id }) {
      const path = `/managedZones/${encodeURIComponent(zone)}/changes/${encodeURIComponent(id)}`;
      return (await call<{ status?: string }>("GET", path, `read the status of change ${id}`)).status ?? "";
    },
    applied: DONE,
    describe: ({ zone, id }) => `${id} in ${zone}`,
  });

  /** Replaces `current` by `next` in one change; a conflict comes back as the error to retry on. */
  async function replace(zone: string, current: ResourceRecordSet | undefined, next: ResourceRecordSet | undefined, action: string) {
    const response = await send("POST", `/managedZones/${encodeURIComponent(zone)}/changes`, {
      additions: next ? [next] : [],
      deletions: current ? [current] : [],
    });
    if (response.status < 300) {
      const change = tryParseJson<{ id?: string; status?: string }>(response.text);
      if (change?.id && change.status !== DONE) changes.add({ zone, id: change.id });
      return undefined;
    }
    if (CONFLICT_STATUSES.has(response.status)) return failure(response, action);
    throw failure(response, action);
  }

  return {
    name: googleDns.name,
    // Preflight (read-only): the zone, then one listing in it, so a given managedZone is proven too.
    async check(name) {
      const fqdn = normalizeFqdn(name);
      const zone = await zoneFor(fqdn);
      await call("GET", `/managedZones/${encodeURIComponent(zone)}/rrsets?name=${encodeURIComponent(`${fqdn}.`)}&type=TXT`, `read the TXT records at ${fqdn}`);
    },
    // managedZones.list, or managedZones.get for a given managedZone (https://cloud.google.com/dns/docs/reference/rest/v1/managedZones).
    async listZones() {
      type ManagedZone = { dnsName: string; visibility?: string };
      const zones = credentials.managedZone
        ? [await call<ManagedZone>("GET", `/managedZones/${encodeURIComponent(credentials.managedZone)}`, `read managed zone ${credentials.managedZone}`)]
        : ((await call<{ managedZones?: ManagedZone[] }>("GET", `/managedZones?maxResults=${ZONES_LISTED}`, "list managed zones")).managedZones ?? []);
      return zones
        .filter((z) => z.visibility !== "private")
        .map((z) => z.dnsName.toLowerCase().replace(/\.$/, ""))
        .slice(0, ZONES_LISTED);
    },
    settle: (deadline) => changes.settle(deadline),
    ...txtSetMethods<string, ResourceRecordSet>(zoneFor, {
      async read(zone, fqdn) {
        const body = await call<{ rrsets?: ResourceRecordSet[] }>(
          "GET",
          `/managedZones/${encodeURIComponent(zone)}/rrsets?name=${encodeURIComponent(`${fqdn}.`)}&type=TXT`,
          `read the TXT records at ${fqdn}`,
        );
        const set = (body.rrsets ?? []).find((s) => s.type === "TXT" && s.name.toLowerCase() === `${fqdn}.`);
        // Keep only the fields a change needs; a deletion must match the stored set.
        return set && { name: set.name, type: set.type, ttl: set.ttl, rrdatas: set.rrdatas };
      },

      data: (set) => set.rrdatas,

      encode: quoteTxt,

      withData: (current, fqdn, rrdatas) => ({ name: current?.name ?? `${fqdn}.`, type: "TXT", ttl: current?.ttl ?? TTL, rrdatas }),

      write: (zone, _fqdn, current, next, action) => replace(zone, current, next, action),

      remove: (zone, _fqdn, current, action) => replace(zone, current, undefined, action),
    }),
  };
}
