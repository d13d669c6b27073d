/**
 * AWS Route 53 over its REST XML API (2013-04-01), signed with SigV4 for "route53" in us-east-1 (the service
 * is global). A TXT name is one resource record set holding every value, so present UPSERTs the whole set
 * with the new value added, and cleanUp UPSERTs what remains or DELETEs the exact set when it held only ours.
 */
import { AwsV4Signer } from "aws4fetch";
import { AppError } from "../core/errors";
import type { AwsCredentials } from "./credentials";
import { apiUrl, createProviderClient, providerError, providerRequest, type ProviderResponse } from "./http";
import { KeyedLock } from "./keyed-lock";
import { cachedZones, discoverZone, normalizeFqdn } from "./names";
import type { DnsProvider, DnsProviderOptions } from "./provider";
import { quoteTxt, txtMatches } from "./txt";
import { escapeXml, xmlElements, xmlText } from "./xml";

const ORIGIN = "https://route53.amazonaws.com";
const API = "/2013-04-01";
const XMLNS = "https://route53.amazonaws.com/doc/2013-04-01/";
const TTL = 60;
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

interface TxtSet {
  ttl: number;
  /** Values as Route 53 stores them: quoted character-strings. */
  values: string[];
}

export function createAwsProvider(credentials: AwsCredentials, options: DnsProviderOptions = {}): DnsProvider {
  const client = createProviderClient(
    "AWS Route 53",
    "access key",
    [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken],
    options,
  );
  const lock = new KeyedLock();

  async function call(method: "GET" | "POST", path: string, action: string, body?: string): Promise<ProviderResponse> {
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
    const response = await providerRequest(client, signed.url.toString(), { method, headers: signed.headers, body });
    if (response.status >= 300) {
      const code = xmlText(response.text, "Code");
      const message = xmlText(response.text, "Message");
      throw providerError(client, response, action, [code, message].filter(Boolean).join(": ") || undefined, {
        authFailure: response.status === 401 || response.status === 403 || (code !== undefined && AUTH_CODES.has(code)),
      });
    }
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
        if (id && name && route53Name(name) === candidate && !isPrivate) return id.replace(/^\/hostedzone\//, "");
      }
      return undefined;
    }),
  );
  function zoneFor(fqdn: string): Promise<string> {
    if (credentials.hostedZoneId) return Promise.resolve(credentials.hostedZoneId.replace(/^\/hostedzone\//, ""));
    return discovered(fqdn);
  }

  async function readSet(zoneId: string, fqdn: string): Promise<TxtSet | undefined> {
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
  }

  async function change(zoneId: string, fqdn: string, action: "UPSERT" | "DELETE", set: TxtSet, what: string): Promise<ProviderResponse> {
    const records = set.values.map((v) => `<ResourceRecord><Value>${escapeXml(v)}</Value></ResourceRecord>`).join("");
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>` +
      `<ChangeResourceRecordSetsRequest xmlns="${XMLNS}"><ChangeBatch>` +
      `<Comment>ACME DNS-01 challenge</Comment><Changes><Change><Action>${action}</Action>` +
      `<ResourceRecordSet><Name>${escapeXml(`${fqdn}.`)}</Name><Type>TXT</Type><TTL>${set.ttl}</TTL>` +
      `<ResourceRecords>${records}</ResourceRecords></ResourceRecordSet>` +
      `</Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`;
    return call("POST", `/hostedzone/${encodeURIComponent(zoneId)}/rrset/`, what, body);
  }

  return {
    name: "aws",

    async present(name, value) {
      const fqdn = normalizeFqdn(name);
      const zoneId = await zoneFor(fqdn);
      await lock.run(fqdn, async () => {
        const existing = await readSet(zoneId, fqdn);
        if (existing?.values.some((v) => txtMatches(v, value))) return;
        const values = [...(existing?.values ?? []), quoteTxt(value)];
        await change(zoneId, fqdn, "UPSERT", { ttl: existing?.ttl ?? TTL, values }, `add a TXT value at ${fqdn}`);
      });
    },

    async cleanUp(name, value) {
      const fqdn = normalizeFqdn(name);
      const zoneId = await zoneFor(fqdn);
      await lock.run(fqdn, async () => {
        const existing = await readSet(zoneId, fqdn);
        if (!existing?.values.some((v) => txtMatches(v, value))) return;
        const remaining = existing.values.filter((v) => !txtMatches(v, value));
        if (remaining.length > 0) {
          await change(zoneId, fqdn, "UPSERT", { ttl: existing.ttl, values: remaining }, `remove a TXT value at ${fqdn}`);
          return;
        }
        try {
          // DELETE must name the set exactly as it stands.
          await change(zoneId, fqdn, "DELETE", existing, `delete the TXT record at ${fqdn}`);
        } catch (error) {
          // Deleted meanwhile by someone else: absent is what we wanted.
          if (error instanceof AppError && /InvalidChangeBatch.*not found/i.test(error.message)) return;
          throw error;
        }
      });
    },
  };
}

/** A Route 53 name as a plain lower-case FQDN without the trailing dot (`\052` octal escapes decoded). */
function route53Name(name: string): string {
  return name
    .replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))
    .toLowerCase()
    .replace(/\.$/, "");
}
