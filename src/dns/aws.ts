/**
 * AWS Route 53 over its REST XML API 2013-04-01 (https://docs.aws.amazon.com/Route53/latest/APIReference/),
 * signed with SigV4 for "route53" in us-east-1 (the service is global). A TXT name is one resource record set
 * holding every value, so present UPSERTs the whole set with the new value added, and cleanUp UPSERTs what
 * remains or DELETEs the exact set when it held only ours. Each change is PENDING until GetChange reports it INSYNC
 * on every Route 53 DNS server (https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetChange.html): settle
 * waits for that. Throttling is HTTP 400 `Throttling` or `PriorRequestNotComplete`, not 429
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/throttling-api-requests.html), and is retried.
 */
import { AwsV4Signer } from "aws4fetch";
import type { z } from "zod";
import { credentialsObject, matching, token } from "./credential-fields";
import { apiOrigins, apiUrl, codeAndMessage, createProviderClient, providerError, providerRequest, type ProviderResponse } from "../outbound/provider-http";
import { cachedZones, discoverZone, normalizeFqdn } from "./names";
import { defineDnsProvider } from "./provider-entry";
import { ZONES_LISTED, type DnsProvider, type DnsProviderOptions } from "./provider";
import { pendingChanges } from "./pending-changes";
import { pacingOf, rateLimitedError, sendPaced, type ThrottleSignal } from "./throttle";
import { txtSetMethods } from "./txt-set";
import { quoteTxt } from "./txt";
import { escapeXml, unescapeXml, xmlElements, xmlText } from "./xml";

const ORIGIN = "https://route53.amazonaws.com";
const API = "/2013-04-01";
const XMLNS = "https://route53.amazonaws.com/doc/2013-04-01/";
const TTL = 60;
/**
 * `<Error><Code>` values for credentials AWS does not accept (Route 53 API Reference, "Common Errors",
 * https://docs.aws.amazon.com/Route53/latest/APIReference/CommonErrors.html).
 */
const AUTH_CODES = new Set([
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "AccessDenied",
  "AccessDeniedException",
  "UnrecognizedClientException",
  "ExpiredToken",
  "IncompleteSignature",
  "MissingAuthenticationToken",
]);
/**
 * ChangeResourceRecordSets' error for a batch that does not fit the zone as it stands, e.g. a DELETE of a set
 * someone changed or deleted since we read it (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html).
 * Route 53 has sent it under its own root, `<InvalidChangeBatch><Messages><Message>…</Message></Messages>`, "a list of
 * messages … each error message indicates one error in the change batch"
 * (https://docs.aws.amazon.com/botocore/latest/reference/services/route53/client/exceptions/InvalidChangeBatch.html),
 * as well as in the common `<ErrorResponse><Error><Code>` form: both are read.
 */
const INVALID_CHANGE_BATCH = "InvalidChangeBatch";
/**
 * HTTP 400 codes that mean "too many requests, try again later": `Throttling` ("Rate exceeded") past the account's
 * request rate, `PriorRequestNotComplete` while a change to the same hosted zone is still being processed
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/throttling-api-requests.html,
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html#API_ChangeResourceRecordSets_Errors).
 */
const THROTTLING_CODES = new Set(["Throttling", "ThrottlingException", "PriorRequestNotComplete"]);
/** GetChange's status for a change on every Route 53 DNS server (the other is PENDING). */
const INSYNC = "INSYNC";

/**
 * An IAM access key allowed route53:ListHostedZonesByName, ListResourceRecordSets, ChangeResourceRecordSets and
 * GetChange (to wait until a change is INSYNC).
 */
export const awsCredentialsSchema = credentialsObject({
  accessKeyId: token(128).regex(/^[A-Za-z0-9]{16,128}$/, {
    error: "Must be an AWS access key ID (16 to 128 letters and digits)",
  }),
  secretAccessKey: token(256),
  /** Route 53 is global and always signed for us-east-1; a region is accepted for the API's sake and ignored. */
  region: matching(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, "Must be an AWS region such as us-east-1").optional(),
  sessionToken: token(8192).optional(),
  hostedZoneId: matching(/^(\/hostedzone\/)?[A-Z0-9]{1,32}$/, "Must be a Route 53 hosted zone ID such as Z0123456789ABC").optional(),
});
export type AwsCredentials = z.infer<typeof awsCredentialsSchema>;

export const awsDns = defineDnsProvider({
  name: "aws",
  label: "AWS Route 53",
  credentials: awsCredentialsSchema,
  create: createAwsProvider,
});

interface TxtSet {
  ttl: number;
  /** Values as Route 53 stores them: quoted character-strings. */
  values: string[];
}

export function createAwsProvider(credentials: AwsCredentials, options: DnsProviderOptions = {}): DnsProvider {
  const client = createProviderClient(
    awsDns.label,
    "access key",
    [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken],
    options,
    apiOrigins([ORIGIN], options.baseUrl),
  );
  const pacing = pacingOf(options);
  const throttling: ThrottleSignal = { throttled: isThrottled };

  /** One call, signed afresh for each attempt while Route 53 throttles it; any other status comes back, for the caller to judge. */
  function send(method: "GET" | "POST", path: string, body?: string): Promise<ProviderResponse> {
    return sendPaced(() => sendOnce(method, path, body), throttling, pacing);
  }

  async function sendOnce(method: "GET" | "POST", path: string, body?: string): Promise<ProviderResponse> {
    const signer = new AwsV4Signer({
      method,
      url: apiUrl(ORIGIN, options.baseUrl, `${API}${path}`),
      headers: body === undefined ? {} : { "content-type": "application/xml" },
      body,
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      service: "route53",
      region: "us-east-1",
    });
    const signed = await signer.sign();
    return providerRequest(client, signed.url.toString(), { method, headers: signed.headers, body });
  }

  function failure(response: ProviderResponse, action: string) {
    const code = errorCode(response);
    const said = codeAndMessage(code, errorMessage(response));
    if (isThrottled(response)) return rateLimitedError(client, response, action, said);
    return providerError(client, response, action, said, {
      authFailure: response.status === 401 || response.status === 403 || (code !== undefined && AUTH_CODES.has(code)),
    });
  }

  async function call(method: "GET" | "POST", path: string, action: string, body?: string): Promise<ProviderResponse> {
    const response = await send(method, path, body);
    if (response.status >= 300) throw failure(response, action);
    return response;
  }

  const discovered = cachedZones((fqdn) =>
    discoverZone(client.label, fqdn, async (candidate) => {
      // ListHostedZonesByName lists zones in order starting at `dnsname`; only an exact name match is ours.
      const response = await call("GET", `/hostedzonesbyname?dnsname=${encodeURIComponent(candidate)}&maxitems=10`, `look up hosted zone ${candidate}`);
      for (const hostedZone of xmlElements(response.text, "HostedZone")) {
        const name = xmlText(hostedZone, "Name");
        const id = xmlText(hostedZone, "Id");
        const isPrivate = xmlText(hostedZone, "PrivateZone") === "true";
        if (id && name && route53Name(name) === candidate && !isPrivate) return bareZoneId(id);
      }
      return undefined;
    }),
  );
  function zoneFor(fqdn: string): Promise<string> {
    return credentials.hostedZoneId ? Promise.resolve(bareZoneId(credentials.hostedZoneId)) : discovered(fqdn);
  }

  /** Changes Route 53 accepted as PENDING, by bare change ID, until GetChange says INSYNC. */
  const changes = pendingChanges<string>(client, pacing, {
    async status(id) {
      const response = await call("GET", `/change/${encodeURIComponent(id)}`, `read the status of change ${id}`);
      return xmlText(response.text, "Status") ?? "";
    },
    applied: INSYNC,
    describe: (id) => id,
  });

  /** Remembers the change a successful ChangeResourceRecordSets answer describes, unless it is INSYNC already. */
  function track(response: ProviderResponse): undefined {
    const id = xmlText(response.text, "Id");
    if (id && xmlText(response.text, "Status") !== INSYNC) changes.add(id.replace(/^\/change\//, ""));
    return undefined;
  }

  /** ChangeResourceRecordSets with one change: `action` applied to `set` at `fqdn`. */
  function change(zoneId: string, fqdn: string, action: "UPSERT" | "DELETE", set: TxtSet): Promise<ProviderResponse> {
    const records = set.values.map((v) => `<ResourceRecord><Value>${escapeXml(v)}</Value></ResourceRecord>`).join("");
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>` +
      `<ChangeResourceRecordSetsRequest xmlns="${XMLNS}"><ChangeBatch>` +
      `<Comment>ACME DNS-01 challenge</Comment><Changes><Change><Action>${action}</Action>` +
      `<ResourceRecordSet><Name>${escapeXml(`${fqdn}.`)}</Name><Type>TXT</Type><TTL>${set.ttl}</TTL>` +
      `<ResourceRecords>${records}</ResourceRecords></ResourceRecordSet>` +
      `</Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`;
    return send("POST", `/hostedzone/${encodeURIComponent(zoneId)}/rrset/`, body);
  }

  return {
    name: awsDns.name,
    // Preflight (read-only): the zone, then one listing in it, so a given hostedZoneId is proven too.
    async check(name) {
      const fqdn = normalizeFqdn(name);
      const zoneId = await zoneFor(fqdn);
      await call("GET", `/hostedzone/${encodeURIComponent(zoneId)}/rrset?name=${encodeURIComponent(`${fqdn}.`)}&type=TXT&maxitems=1`, `read the TXT records at ${fqdn}`);
    },
    // ListHostedZones, or GetHostedZone for a given hostedZoneId (its policy may allow no listing): Route 53 API
    // Reference, https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListHostedZones.html.
    async listZones() {
      const path = credentials.hostedZoneId ? `/hostedzone/${encodeURIComponent(bareZoneId(credentials.hostedZoneId))}` : `/hostedzone?maxitems=${ZONES_LISTED}`;
      const response = await call("GET", path, "list hosted zones");
      return xmlElements(response.text, "HostedZone")
        .filter((zone) => xmlText(zone, "PrivateZone") !== "true")
        .map((zone) => route53Name(xmlText(zone, "Name") ?? ""))
        .filter(Boolean)
        .slice(0, ZONES_LISTED);
    },
    settle: (deadline) => changes.settle(deadline),
    ...txtSetMethods<string, TxtSet>(zoneFor, {
      async read(zoneId, fqdn) {
        // ListResourceRecordSets starts at name/type and may return the next set in order, so check both.
        const response = await call(
          "GET",
          `/hostedzone/${encodeURIComponent(zoneId)}/rrset?name=${encodeURIComponent(`${fqdn}.`)}&type=TXT&maxitems=1`,
          `read the TXT records at ${fqdn}`,
        );
        for (const set of xmlElements(response.text, "ResourceRecordSet")) {
          if (route53Name(xmlText(set, "Name") ?? "") !== fqdn || xmlText(set, "Type") !== "TXT") continue;
          if (xmlText(set, "SetIdentifier") !== undefined) continue; // routing-policy sets are not ours to edit
          const values = xmlElements(set, "ResourceRecord").map((record) => xmlText(record, "Value") ?? "");
          return { ttl: Number(xmlText(set, "TTL") ?? TTL), values };
        }
        return undefined;
      },

      data: (set) => set.values,

      encode: quoteTxt,

      withData: (current, _fqdn, values) => ({ ttl: current?.ttl ?? TTL, values }),

      async write(zoneId, fqdn, _current, next, action) {
        const response = await change(zoneId, fqdn, "UPSERT", next);
        if (response.status >= 300) throw failure(response, action);
        return track(response);
      },

      async remove(zoneId, fqdn, current, action) {
        // DELETE must name the set exactly as it stands.
        const response = await change(zoneId, fqdn, "DELETE", current);
        if (response.status < 300) return track(response);
        // The set changed or went away since we read it: read it again, as absent is what cleanUp wants.
        if (response.status === 400 && errorCode(response) === INVALID_CHANGE_BATCH) return failure(response, action);
        throw failure(response, action);
      },
    }),
  };
}

/** The `<Error><Code>` of an error response (Route 53 API Reference, "Common Errors"), or InvalidChangeBatch for that root. */
function errorCode(response: ProviderResponse): string | undefined {
  return xmlText(response.text, "Code") ?? (/<InvalidChangeBatch[\s>]/.test(response.text) ? INVALID_CHANGE_BATCH : undefined);
}

/** The error's `<Message>`, or every `<Messages><Message>` of an InvalidChangeBatch, joined. */
function errorMessage(response: ProviderResponse): string | undefined {
  const messages = xmlElements(response.text, "Message").map((m) => unescapeXml(m.trim())).filter(Boolean);
  return messages.length > 0 ? messages.join("; ") : undefined;
}

function isThrottled(response: ProviderResponse): boolean {
  if (response.status === 429) return true;
  const code = response.status === 400 ? errorCode(response) : undefined;
  return code !== undefined && THROTTLING_CODES.has(code);
}

/** A hosted zone ID without the `/hostedzone/` prefix Route 53 puts on it in listings. */
function bareZoneId(id: string): string {
  return id.replace(/^\/hostedzone\//, "");
}

/** A Route 53 name as a plain lower-case FQDN without the trailing dot (`\052` octal escapes decoded). */
function route53Name(name: string): string {
  return name
    .replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))
    .toLowerCase()
    .replace(/\.$/, "");
}
