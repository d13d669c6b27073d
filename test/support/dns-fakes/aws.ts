/**
 * A fake of the Route 53 REST XML API (2013-04-01): ListHostedZonesByName, ListResourceRecordSets and
 * ChangeResourceRecordSets over in-memory hosted zones. Every request must carry a SigV4 Authorization header
 * for route53/us-east-1, which the fake recomputes with the secret key (its own implementation, not aws4fetch).
 */
import { asFetch, unquote, zoneOf, type DnsFake } from "./shared";

export interface Route53FakeOptions {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  zones: { id: string; name: string; private?: boolean }[];
  now?: () => number;
}

interface RecordSet {
  ttl: number;
  values: string[];
}
interface HostedZone {
  id: string;
  name: string;
  private: boolean;
  /** TXT sets by FQDN without trailing dot. */
  sets: Map<string, RecordSet>;
}

export interface Route53Fake extends DnsFake {
  /** The last SigV4 credential scope seen, e.g. "20260101/us-east-1/route53/aws4_request". */
  readonly lastScope: () => string | undefined;
  /** The stored set at `fqdn` (values quoted as Route 53 holds them). */
  set(fqdn: string): RecordSet | undefined;
}

const XMLNS = "https://route53.amazonaws.com/doc/2013-04-01/";
const encoder = new TextEncoder();

function xml(status: number, body: string): Response {
  return new Response(`<?xml version="1.0"?>\n${body}`, { status, headers: { "content-type": "text/xml" } });
}

function awsError(status: number, code: string, message: string): Response {
  return xml(
    status,
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${esc(message)}</Message></Error><RequestId>fake-request</RequestId></ErrorResponse>`,
  );
}

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function unesc(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function all(source: string, tag: string): string[] {
  return Array.from(source.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g")), (m) => m[1]!);
}

function one(source: string, tag: string): string | undefined {
  const value = all(source, tag)[0];
  return value === undefined ? undefined : unesc(value.trim());
}

/** Route 53 orders names by their labels read right to left. */
function orderKey(name: string): string {
  return name.split(".").reverse().join(".");
}

async function hmac(key: Uint8Array<ArrayBuffer> | string, data: string): Promise<Uint8Array<ArrayBuffer>> {
  const raw = typeof key === "string" ? encoder.encode(key) : key;
  const cryptoKey = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(data)));
}

async function sha256Hex(data: Uint8Array<ArrayBuffer> | string): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Checks the SigV4 Authorization header (AWS "Create a signed AWS API request"): structure, credential scope
 * and the signature itself, recomputed from the canonical request.
 */
async function verifySigV4(request: Request, body: string, options: Route53FakeOptions, now: number): Promise<{ scope: string } | Response> {
  const authorization = request.headers.get("authorization");
  if (!authorization) return awsError(403, "MissingAuthenticationToken", "Missing Authentication Token");
  const match = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!match) return awsError(400, "IncompleteSignature", "Authorization header requires Credential, SignedHeaders and Signature");
  const [, accessKeyId, date, region, service, signedHeaderList, signature] = match as unknown as string[];
  if (accessKeyId !== options.accessKeyId) return awsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
  if (region !== "us-east-1" || service !== "route53") {
    return awsError(403, "SignatureDoesNotMatch", `Credential should be scoped to a valid region and service: us-east-1/route53, not ${region}/${service}`);
  }
  const amzDate = request.headers.get("x-amz-date");
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== date) {
    return awsError(400, "IncompleteSignature", "X-Amz-Date must be present and match the credential scope date");
  }
  const signedAt = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (Math.abs(now - signedAt) > 5 * 60_000) return awsError(403, "SignatureDoesNotMatch", "Signature expired");
  const signedHeaders = signedHeaderList!.split(";");
  if (!signedHeaders.includes("host") || !signedHeaders.includes("x-amz-date")) {
    return awsError(403, "SignatureDoesNotMatch", "SignedHeaders must include host and x-amz-date");
  }
  if (options.sessionToken !== undefined) {
    if (request.headers.get("x-amz-security-token") !== options.sessionToken || !signedHeaders.includes("x-amz-security-token")) {
      return awsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
    }
  }

  const url = new URL(request.url);
  const canonicalUri = url.pathname.split("/").map((segment) => uriEncode(segment)).join("/");
  const canonicalQuery = [...url.searchParams]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([k1, v1], [k2, v2]) => (k1 < k2 ? -1 : k1 > k2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalHeaders = signedHeaders
    .map((h) => `${h}:${h === "host" ? url.host : (request.headers.get(h) ?? "").trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const payloadHash = request.headers.get("x-amz-content-sha256") ?? (await sha256Hex(body));
  const canonicalRequest = [request.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaderList, payloadHash].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, await sha256Hex(canonicalRequest)].join("\n");
  let key = await hmac(`AWS4${options.secretAccessKey}`, date!);
  for (const part of [region!, service!, "aws4_request"]) key = await hmac(key, part);
  const expected = hex(await hmac(key, stringToSign));
  if (expected !== signature) {
    return awsError(
      403,
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
    );
  }
  return { scope };
}

export function createRoute53Fake(options: Route53FakeOptions): Route53Fake {
  const zones = new Map<string, HostedZone>(
    options.zones.map((z) => [z.id, { id: z.id, name: z.name, private: z.private ?? false, sets: new Map() }]),
  );
  const requests: string[] = [];
  let lastScope: string | undefined;
  let changeCount = 0;

  function zoneFor(fqdn: string): HostedZone | undefined {
    const name = zoneOf(fqdn, [...zones.values()].filter((z) => !z.private).map((z) => z.name));
    return [...zones.values()].find((z) => z.name === name && !z.private);
  }

  function listHostedZonesByName(url: URL): Response {
    const start = (url.searchParams.get("dnsname") ?? "").toLowerCase().replace(/\.$/, "");
    const max = Number(url.searchParams.get("maxitems") ?? 100);
    const sorted = [...zones.values()].sort((a, b) => (orderKey(a.name) < orderKey(b.name) ? -1 : 1));
    const listed = sorted.filter((z) => !start || orderKey(z.name) >= orderKey(start)).slice(0, max);
    const items = listed
      .map(
        (z) =>
          `<HostedZone><Id>/hostedzone/${z.id}</Id><Name>${z.name}.</Name><CallerReference>ref-${z.id}</CallerReference>` +
          `<Config><PrivateZone>${z.private}</PrivateZone></Config><ResourceRecordSetCount>${z.sets.size + 2}</ResourceRecordSetCount></HostedZone>`,
      )
      .join("");
    return xml(
      200,
      `<ListHostedZonesByNameResponse xmlns="${XMLNS}"><HostedZones>${items}</HostedZones>` +
        `<DNSName>${start}</DNSName><IsTruncated>false</IsTruncated><MaxItems>${max}</MaxItems></ListHostedZonesByNameResponse>`,
    );
  }

  function listResourceRecordSets(zone: HostedZone, url: URL): Response {
    const start = (url.searchParams.get("name") ?? "").toLowerCase().replace(/\.$/, "");
    const type = url.searchParams.get("type");
    if (type && !start) return awsError(400, "InvalidInput", "The input is not valid: type requires name");
    const max = Number(url.searchParams.get("maxitems") ?? 300);
    // Like the real API: the listing starts at name/type and continues with the following sets in order.
    const sorted = [...zone.sets].sort(([a], [b]) => (orderKey(a) < orderKey(b) ? -1 : 1));
    const listed = sorted.filter(([name]) => !start || orderKey(name) >= orderKey(start)).slice(0, max);
    const items = listed
      .map(
        ([name, set]) =>
          `<ResourceRecordSet><Name>${name}.</Name><Type>TXT</Type><TTL>${set.ttl}</TTL><ResourceRecords>` +
          set.values.map((v) => `<ResourceRecord><Value>${esc(v)}</Value></ResourceRecord>`).join("") +
          `</ResourceRecords></ResourceRecordSet>`,
      )
      .join("");
    return xml(
      200,
      `<ListResourceRecordSetsResponse xmlns="${XMLNS}"><ResourceRecordSets>${items}</ResourceRecordSets>` +
        `<IsTruncated>false</IsTruncated><MaxItems>${max}</MaxItems></ListResourceRecordSetsResponse>`,
    );
  }

  function changeResourceRecordSets(zone: HostedZone, body: string): Response {
    if (!body.includes(`<ChangeResourceRecordSetsRequest xmlns="${XMLNS}">`)) return awsError(400, "InvalidInput", "Expected a ChangeResourceRecordSetsRequest");
    const staged = new Map([...zone.sets].map(([name, set]) => [name, { ttl: set.ttl, values: [...set.values] }]));
    for (const change of all(body, "Change")) {
      const action = one(change, "Action");
      const name = (one(change, "Name") ?? "").toLowerCase().replace(/\.$/, "");
      const type = one(change, "Type");
      const ttl = Number(one(change, "TTL"));
      const values = all(change, "Value").map((v) => unesc(v));
      const label = `[name='${name}.', type='${type}']`;
      if (type !== "TXT") return awsError(400, "InvalidInput", "This fake handles TXT only");
      if (zoneOf(name, [zone.name]) !== zone.name) return awsError(400, "InvalidChangeBatch", `[RRSet with DNS name ${name}. is not permitted in zone ${zone.name}.]`);
      if (!Number.isInteger(ttl) || ttl < 0 || values.length === 0) return awsError(400, "InvalidInput", "TTL and at least one ResourceRecord are required");
      if (values.some((v) => !/^".*"$/.test(v))) return awsError(400, "InvalidChangeBatch", `[Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value should be enclosed in quotation marks) encountered with '${values[0]}'']`);
      const current = staged.get(name);
      if (action === "CREATE") {
        if (current) return awsError(400, "InvalidChangeBatch", `[Tried to create resource record set ${label} but it already exists]`);
        staged.set(name, { ttl, values });
      } else if (action === "UPSERT") {
        staged.set(name, { ttl, values });
      } else if (action === "DELETE") {
        if (!current) return awsError(400, "InvalidChangeBatch", `[Tried to delete resource record set ${label} but it was not found]`);
        const same = current.ttl === ttl && current.values.length === values.length && current.values.every((v) => values.includes(v));
        if (!same) return awsError(400, "InvalidChangeBatch", `[Tried to delete resource record set ${label} but the values provided do not match the current values]`);
        staged.delete(name);
      } else {
        return awsError(400, "InvalidInput", `Unknown action ${action}`);
      }
    }
    zone.sets.clear();
    for (const [name, set] of staged) zone.sets.set(name, set);
    changeCount++;
    return xml(
      200,
      `<ChangeResourceRecordSetsResponse xmlns="${XMLNS}"><ChangeInfo><Id>/change/C${changeCount}</Id><Status>PENDING</Status>` +
        `<SubmittedAt>${new Date(options.now?.() ?? Date.now()).toISOString()}</SubmittedAt></ChangeInfo></ChangeResourceRecordSetsResponse>`,
    );
  }

  async function handle(request: Request): Promise<Response> {
    const body = request.method === "GET" ? "" : await request.text();
    const verified = await verifySigV4(request, body, options, options.now?.() ?? Date.now());
    if (verified instanceof Response) return verified;
    lastScope = verified.scope;

    const url = new URL(request.url);
    const path = url.pathname.replace(/\/$/, "");
    if (request.method === "GET" && path === "/2013-04-01/hostedzonesbyname") return listHostedZonesByName(url);
    const match = /^\/2013-04-01\/hostedzone\/([^/]+)\/rrset$/.exec(path);
    if (!match) return awsError(404, "UnknownOperationException", "Unknown operation");
    const zone = zones.get(decodeURIComponent(match[1]!));
    if (!zone) return awsError(404, "NoSuchHostedZone", `No hosted zone found with ID: ${match[1]}`);
    if (request.method === "GET") return listResourceRecordSets(zone, url);
    if (request.method === "POST") return changeResourceRecordSets(zone, body);
    return awsError(405, "MethodNotAllowed", "Method not allowed");
  }

  return {
    handle,
    fetch: asFetch(handle, requests),
    requests,
    lastScope: () => lastScope,
    set: (fqdn) => zoneFor(fqdn)?.sets.get(fqdn),
    txt: (fqdn) => (zoneFor(fqdn)?.sets.get(fqdn)?.values ?? []).map(unquote),
    seed(fqdn, value) {
      const zone = zoneFor(fqdn);
      if (!zone) throw new Error(`no fake hosted zone for ${fqdn}`);
      const set = zone.sets.get(fqdn) ?? { ttl: 300, values: [] };
      set.values.push(`"${value}"`);
      zone.sets.set(fqdn, set);
    },
  };
}
