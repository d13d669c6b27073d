/**
 * A fake of the GoDaddy Domains API v1 (https://developer.godaddy.com/doc/endpoint/domains), in memory:
 * `sso-key key:secret` auth; GET /v1/domains/:domain describes a registration; GET /records/:type[/:name] lists a
 * zone's records; PUT /records/:type/:name replaces every record at that type and name; DELETE removes them all.
 *
 * As GoDaddy behaves in production:
 * - An account under the API threshold (fewer than 10 domains and no Discount Domain Club plan,
 *   https://developer.godaddy.com/getstarted#apiaccess) gets 403 `ACCESS_DENIED` "Authenticated user is not allowed
 *   access" from every endpoint, for a key that is otherwise good (`apiAccess: false`).
 * - A zone hosted at GoDaddy but registered elsewhere has records but no registration: GET /v1/domains/:domain
 *   answers it 403 `ACCESS_DENIED`, while its /records endpoints work (`registeredHere: false`).
 * - A name that is no zone of the account answers 404 on its /records endpoints; a malformed one, 422.
 * - Each endpoint takes 60 requests a minute (https://www.godaddy.com/legal/agreements/godaddy-api-terms-of-use);
 *   a throttled request answers 429 `TOO_MANY_REQUESTS` with `retryAfterSec` (the reference's ErrorLimit).
 */
import { asFetch, countdown, jsonResponse, readJson, zoneOf, type DnsFake } from "./shared";

export interface GodaddyFakeOptions {
  apiKey: string;
  apiSecret: string;
  /** The account's zones: a name registered at GoDaddy, or one only hosted there. */
  domains: (string | { name: string; registeredHere: boolean })[];
  /** False for an account GoDaddy keeps out of its production API (default true). */
  apiAccess?: boolean;
}

interface DnsRecord {
  type: string;
  name: string;
  data: string;
  ttl: number;
}

const ACCESS_DENIED = { code: "ACCESS_DENIED", message: "Authenticated user is not allowed access" };

export function createGodaddyFake(options: GodaddyFakeOptions): DnsFake {
  const entries = options.domains.map((d) => (typeof d === "string" ? { name: d, registeredHere: true } : d));
  const registered = new Set(entries.filter((d) => d.registeredHere).map((d) => d.name));
  const domains = new Map<string, DnsRecord[]>(
    entries.map((d) => [
      d.name,
      [
        { type: "NS", name: "@", data: "ns01.domaincontrol.com", ttl: 3600 },
        { type: "NS", name: "@", data: "ns02.domaincontrol.com", ttl: 3600 },
        { type: "A", name: "@", data: "192.0.2.1", ttl: 600 },
      ],
    ]),
  );
  const requests: string[] = [];
  const throttled = countdown();
  const nameOf = (fqdn: string, domain: string) => (fqdn === domain ? "@" : fqdn.slice(0, -(domain.length + 1)));

  async function handle(request: Request): Promise<Response> {
    const authorization = request.headers.get("authorization") ?? "";
    if (!authorization.startsWith("sso-key ")) {
      return jsonResponse(401, { code: "MISSING_CREDENTIALS", message: "Authenticated user is not allowed access" });
    }
    if (authorization !== `sso-key ${options.apiKey}:${options.apiSecret}`) {
      return jsonResponse(401, { code: "UNABLE_TO_AUTHENTICATE", message: "Unable to authenticate credentials" });
    }
    if (options.apiAccess === false) return jsonResponse(403, ACCESS_DENIED);
    if (throttled.take()) {
      return jsonResponse(429, { code: "TOO_MANY_REQUESTS", message: "Too many requests received within interval", retryAfterSec: throttled.retryAfterSeconds });
    }
    const url = new URL(request.url);
    // GET /v1/domains lists the account's registrations (a zone registered elsewhere is not among them).
    if (request.method === "GET" && /^\/v1\/domains\/?$/.test(url.pathname)) {
      return jsonResponse(200, [...registered].map((domain, i) => ({ domain, domainId: i + 1, status: "ACTIVE" })));
    }
    const match = /^\/v1\/domains\/([^/]+)(?:\/records\/([A-Z]+)(?:\/([^/]+))?)?\/?$/.exec(url.pathname);
    if (!match) return jsonResponse(404, { code: "NOT_FOUND", message: "Not found" });
    const domain = decodeURIComponent(match[1]!);
    if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/.test(domain) || domain.includes("_")) {
      return jsonResponse(422, { code: "INVALID_BODY", message: "Request body doesn't fulfill schema, see details in `fields`", fields: [{ path: "domain", code: "INVALID_DOMAIN" }] });
    }

    if (!match[2]) {
      if (request.method !== "GET") return jsonResponse(405, { code: "METHOD_NOT_ALLOWED", message: "Method not allowed" });
      if (domains.has(domain) && !registered.has(domain)) return jsonResponse(403, ACCESS_DENIED);
      if (!registered.has(domain)) return jsonResponse(404, { code: "NOT_FOUND", message: `Domain ${domain} not found` });
      return jsonResponse(200, { domain, domainId: 1, status: "ACTIVE", nameServers: ["ns01.domaincontrol.com"] });
    }
    const records = domains.get(domain);
    if (!records) return jsonResponse(404, { code: "UNKNOWN_DOMAIN", message: "The given domain is not registered, or does not have a zone file" });
    const type = match[2];
    const name = match[3] === undefined ? undefined : decodeURIComponent(match[3]);
    const at = () => records.filter((r) => r.type === type && (name === undefined || r.name === name));

    if (request.method === "GET") return jsonResponse(200, at().map(({ data, name: n, ttl, type: t }) => ({ data, name: n, ttl, type: t })));
    if (name === undefined) return jsonResponse(405, { code: "METHOD_NOT_ALLOWED", message: "This fake writes one name at a time" });

    if (request.method === "PUT") {
      const body = await readJson(request);
      const valid =
        Array.isArray(body) &&
        body.length > 0 &&
        body.every((r) => typeof r?.data === "string" && r.data.length > 0 && r.data.length <= 512 && Number.isInteger(r.ttl) && r.ttl >= 600);
      if (!valid) {
        return jsonResponse(422, { code: "INVALID_BODY", message: "Request body doesn't fulfill schema, see details in `fields`", fields: [{ path: "records", code: "UNEXPECTED_TYPE" }] });
      }
      const kept = records.filter((r) => !(r.type === type && r.name === name));
      records.length = 0;
      records.push(...kept, ...(body as { data: string; ttl: number }[]).map((r) => ({ type, name, data: r.data, ttl: r.ttl })));
      return new Response(null, { status: 200 });
    }

    if (request.method === "DELETE") {
      if (at().length === 0) return jsonResponse(404, { code: "NOT_FOUND", message: "Record not found" });
      const kept = records.filter((r) => !(r.type === type && r.name === name));
      records.length = 0;
      records.push(...kept);
      return new Response(null, { status: 204 });
    }

    return jsonResponse(405, { code: "METHOD_NOT_ALLOWED", message: "Method not allowed" });
  }

  return {
    handle,
    fetch: asFetch(handle, requests),
    requests,
    throttle: (count, retryAfterSeconds) => throttled.arm(count, retryAfterSeconds),
    txt(fqdn) {
      const domain = zoneOf(fqdn, domains.keys());
      if (!domain) return [];
      return domains.get(domain)!.filter((r) => r.type === "TXT" && r.name === nameOf(fqdn, domain)).map((r) => r.data);
    },
    seed(fqdn, value) {
      const domain = zoneOf(fqdn, domains.keys());
      if (!domain) throw new Error(`no fake domain for ${fqdn}`);
      domains.get(domain)!.push({ type: "TXT", name: nameOf(fqdn, domain), data: value, ttl: 3600 });
    },
  };
}
