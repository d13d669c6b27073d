/**
 * A fake of the Route 53 REST XML API (2013-04-01, https://docs.aws.amazon.com/Route53/latest/APIReference/):
 * ListHostedZonesByName, ListResourceRecordSets, ChangeResourceRecordSets and GetChange over in-memory hosted zones.
 * Every request must carry a SigV4 Authorization header for route53/us-east-1, which the fake recomputes with the
 * secret key (test/support/sigv4-check.ts, not aws4fetch).
 *
 * As Route 53 behaves:
 * - A change batch that does not fit the zone (a DELETE of a set that is gone or differs, a CREATE of one that
 *   exists) is refused whole with HTTP 400 under an `<InvalidChangeBatch>` root listing `<Messages><Message>`
 *   (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html#API_ChangeResourceRecordSets_Errors,
 *   https://docs.aws.amazon.com/botocore/latest/reference/services/route53/client/exceptions/InvalidChangeBatch.html);
 *   `invalidChangeBatchAs: "ErrorResponse"` sends it in the common `<ErrorResponse><Error><Code>` form instead.
 * - Throttling is HTTP 400, not 429: `Throttling` / "Rate exceeded", and `PriorRequestNotComplete` for a change to a
 *   hosted zone still processing the previous one (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/throttling-api-requests.html).
 * - A change is PENDING until it has reached every Route 53 DNS server, then GetChange reports it INSYNC
 *   (https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetChange.html): here `syncAfterMs` after it was made.
 */
import { checkSigV4, type SigV4Failure } from "../sigv4-check";
import { asFetch, countdown, unquote, zoneOf, type DnsFake } from "./shared";

export interface Route53FakeOptions {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  zones: { id: string; name: string; private?: boolean }[];
  now?: () => number;
  /** How long a change stays PENDING (default 0: INSYNC when first read back). */
  syncAfterMs?: number;
  /** The form of InvalidChangeBatch errors (default its own root, `<InvalidChangeBatch><Messages>`). */
  invalidChangeBatchAs?: "InvalidChangeBatch" | "ErrorResponse";
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
  /** Refuses the next `count` ChangeResourceRecordSets calls with PriorRequestNotComplete. */
  priorRequestNotComplete(count: number): void;
  /** What GetChange reports for change `id` (without /change/) now. */
  changeStatus(id: string): "PENDING" | "INSYNC" | undefined;
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

/** ChangeResourceRecordSets' refusal of a batch, in the form `as` says. */
function invalidChangeBatch(as: Route53FakeOptions["invalidChangeBatchAs"], message: string): Response {
  if (as === "ErrorResponse") return awsError(400, "InvalidChangeBatch", `[${message}]`);
  return xml(
    400,
    `<InvalidChangeBatch xmlns="${XMLNS}"><Messages><Message>${esc(message)}</Message></Messages><RequestId>fake-request</RequestId></InvalidChangeBatch>`,
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
  const now = () => options.now?.() ?? Date.now();
  const throttled = countdown();
  const busy = countdown();
  /** When each change was made, by ID. */
  const changes = new Map<string, number>();
  const statusOf = (id: string) => {
    const madeAt = changes.get(id);
    if (madeAt === undefined) return undefined;
    return now() - madeAt >= (options.syncAfterMs ?? 0) ? ("INSYNC" as const) : ("PENDING" as const);
  };
  const refuse = (message: string) => invalidChangeBatch(options.invalidChangeBatchAs, message);

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
      if (zoneOf(name, [zone.name]) !== zone.name) return refuse(`RRSet with DNS name ${name}. is not permitted in zone ${zone.name}.`);
      if (!Number.isInteger(ttl) || ttl < 0 || values.length === 0) return awsError(400, "InvalidInput", "TTL and at least one ResourceRecord are required");
      if (values.some((v) => !/^".*"$/.test(v))) return refuse(`Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value should be enclosed in quotation marks) encountered with '${values[0]}''`);
      const current = staged.get(name);
      if (action === "CREATE") {
        if (current) return refuse(`Tried to create resource record set ${label} but it already exists`);
        staged.set(name, { ttl, values });
      } else if (action === "UPSERT") {
        staged.set(name, { ttl, values });
      } else if (action === "DELETE") {
        if (!current) return refuse(`Tried to delete resource record set ${label} but it was not found`);
        const same = current.ttl === ttl && current.values.length === values.length && current.values.every((v) => values.includes(v));
        if (!same) return refuse(`Tried to delete resource record set ${label} but the values provided do not match the current values`);
        staged.delete(name);
      } else {
        return awsError(400, "InvalidInput", `Unknown action ${action}`);
      }
    }
    zone.sets.clear();
    for (const [name, set] of staged) zone.sets.set(name, set);
    const id = `C${changes.size + 1}FAKE`;
    changes.set(id, now());
    return xml(200, `<ChangeResourceRecordSetsResponse xmlns="${XMLNS}">${changeInfo(id, "PENDING")}</ChangeResourceRecordSetsResponse>`);
  }

  function changeInfo(id: string, status: string): string {
    return `<ChangeInfo><Id>/change/${id}</Id><Status>${status}</Status><SubmittedAt>${new Date(changes.get(id)!).toISOString()}</SubmittedAt></ChangeInfo>`;
  }

  /** ListHostedZones (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListHostedZones.html): in creation order. */
  function listHostedZones(url: URL): Response {
    const max = Number(url.searchParams.get("maxitems") ?? 100);
    const items = [...zones.values()]
      .slice(0, max)
      .map(
        (z) =>
          `<HostedZone><Id>/hostedzone/${z.id}</Id><Name>${z.name}.</Name><CallerReference>ref-${z.id}</CallerReference>` +
          `<Config><PrivateZone>${z.private}</PrivateZone></Config><ResourceRecordSetCount>${z.sets.size + 2}</ResourceRecordSetCount></HostedZone>`,
      )
      .join("");
    return xml(200, `<ListHostedZonesResponse xmlns="${XMLNS}"><HostedZones>${items}</HostedZones><IsTruncated>false</IsTruncated><MaxItems>${max}</MaxItems></ListHostedZonesResponse>`);
  }

  function getChange(id: string): Response {
    const status = statusOf(id);
    if (!status) return awsError(404, "NoSuchChange", `A change with the specified change ID does not exist: ${id}`);
    return xml(200, `<GetChangeResponse xmlns="${XMLNS}">${changeInfo(id, status)}</GetChangeResponse>`);
  }

  async function handle(request: Request): Promise<Response> {
    const body = request.method === "GET" ? "" : await request.text();
    const verified = await verifySigV4(request, body, options, now());
    if (verified instanceof Response) return verified;
    lastScope = verified.scope;
    if (throttled.take()) return awsError(400, "Throttling", "Rate exceeded");

    const url = new URL(request.url);
    const path = url.pathname.replace(/\/$/, "");
    if (request.method === "GET" && path === "/2013-04-01/hostedzonesbyname") return listHostedZonesByName(url);
    if (request.method === "GET" && path === "/2013-04-01/hostedzone") return listHostedZones(url);
    const change = /^\/2013-04-01\/change\/([^/]+)$/.exec(path);
    if (change && request.method === "GET") return getChange(decodeURIComponent(change[1]!));
    const match = /^\/2013-04-01\/hostedzone\/([^/]+)\/rrset$/.exec(path);
    if (!match) return awsError(404, "UnknownOperationException", "Unknown operation");
    const zone = zones.get(decodeURIComponent(match[1]!));
    if (!zone) return awsError(404, "NoSuchHostedZone", `No hosted zone found with ID: ${match[1]}`);
    if (request.method === "GET") return listResourceRecordSets(zone, url);
    if (request.method === "POST" && busy.take()) {
      return awsError(400, "PriorRequestNotComplete", "The request was rejected because Route 53 was still processing a prior request.");
    }
    if (request.method === "POST") return changeResourceRecordSets(zone, body);
    return awsError(405, "MethodNotAllowed", "Method not allowed");
  }

  return {
    handle,
    fetch: asFetch(handle, requests),
    requests,
    lastScope: () => lastScope,
    throttle: (count) => throttled.arm(count),
    priorRequestNotComplete: (count) => busy.arm(count),
    changeStatus: statusOf,
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
