/**
 * A fake of the Route 53 REST XML API (2013-04-01): ListHostedZonesByName, ListResourceRecordSets and
 * ChangeResourceRecordSets over in-memory hosted zones. Every request must carry a SigV4 Authorization header
 * for route53/us-east-1, which the fake recomputes with the secret key (test/support/sigv4-check.ts, not aws4fetch).
 */
import { checkSigV4, type SigV4Failure } from "../sigv4-check";
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

/** Route 53's answer to each SigV4 failure (Route 53 API Reference, "Common Errors"). */
const SIGV4_ERRORS: Record<SigV4Failure, { status: number; code: string }> = {
  missing: { status: 403, code: "MissingAuthenticationToken" },
  malformed: { status: 400, code: "IncompleteSignature" },
  unknownKey: { status: 403, code: "InvalidClientTokenId" },
  scope: { status: 403, code: "SignatureDoesNotMatch" },
  date: { status: 400, code: "IncompleteSignature" },
  expired: { status: 403, code: "SignatureDoesNotMatch" },
  signedHeaders: { status: 403, code: "SignatureDoesNotMatch" },
  sessionToken: { status: 403, code: "InvalidClientTokenId" },
  mismatch: { status: 403, code: "SignatureDoesNotMatch" },
};

/** Checks the SigV4 Authorization header for route53/us-east-1 (see test/support/sigv4-check.ts). */
async function verifySigV4(request: Request, body: string, options: Route53FakeOptions, now: number): Promise<{ scope: string } | Response> {
  const result = await checkSigV4(request, body, { ...options, region: "us-east-1", service: "route53", now });
  if (result.ok) return { scope: result.scope };
  const { status, code } = SIGV4_ERRORS[result.failure];
  return awsError(status, code, result.message);
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
