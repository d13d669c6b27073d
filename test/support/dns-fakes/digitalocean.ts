/**
 * A fake of the DigitalOcean API v2 domains and domain records endpoints, in memory. Bearer-token auth;
 * records carry names relative to the domain ("@" at the apex); the `name` filter takes the full name.
 *
 * Throttled requests answer as the API's rate limits do (https://docs.digitalocean.com/reference/api/digitalocean/#section/Introduction/Rate-Limit,
 * https://docs.digitalocean.com/notes/2023/api-rate-limit/): HTTP 429 `{ id: "too_many_requests" }` with Retry-After.
 */
import { asFetch, countdown, jsonResponse, readJson, zoneOf, type DnsFake } from "./shared";

export interface DigitaloceanFakeOptions {
  apiToken: string;
  domains: string[];
}

interface DomainRecord {
  id: number;
  domain: string;
  type: string;
  name: string;
  data: string;
  ttl: number;
}

export function createDigitaloceanFake(options: DigitaloceanFakeOptions): DnsFake {
  const domains = new Set(options.domains);
  const records = new Map<number, DomainRecord>();
  const requests: string[] = [];
  const throttled = countdown();
  let nextId = 1000;

  for (const domain of domains) {
    for (const [type, data] of [["NS", "ns1.digitalocean.com."], ["A", "192.0.2.1"]] as const) {
      records.set(nextId, { id: nextId++, domain, type, name: "@", data, ttl: 1800 });
    }
  }

  const fullName = (r: DomainRecord) => (r.name === "@" ? r.domain : `${r.name}.${r.domain}`);
  const notFound = () => jsonResponse(404, { id: "not_found", message: "The resource you were accessing could not be found." });

  async function handle(request: Request): Promise<Response> {
    if (request.headers.get("authorization") !== `Bearer ${options.apiToken}`) {
      return jsonResponse(401, { id: "Unauthorized", message: "Unable to authenticate you" });
    }
    if (throttled.take()) {
      return jsonResponse(429, { id: "too_many_requests", message: "API Rate limit exceeded." }, { "retry-after": String(throttled.retryAfterSeconds), "ratelimit-remaining": "0" });
    }
    const url = new URL(request.url);
    // List All Domains: `{ domains: [{ name, ttl, zone_file }], links, meta: { total } }`.
    if (request.method === "GET" && /^\/v2\/domains\/?$/.test(url.pathname)) {
      const listed = [...domains].map((name) => ({ name, ttl: 1800, zone_file: "" }));
      return jsonResponse(200, { domains: listed, links: {}, meta: { total: listed.length } });
    }
    const match = /^\/v2\/domains\/([^/]+)(\/records(?:\/(\d+))?)?\/?$/.exec(url.pathname);
    if (!match) return notFound();
    const domain = decodeURIComponent(match[1]!);
    if (!domains.has(domain)) return notFound();
    const recordId = match[3] === undefined ? undefined : Number(match[3]);

    if (!match[2]) {
      if (request.method !== "GET") return jsonResponse(405, { id: "method_not_allowed", message: "Method not allowed" });
      return jsonResponse(200, { domain: { name: domain, ttl: 1800, zone_file: "" } });
    }

    if (request.method === "GET" && recordId === undefined) {
      const type = url.searchParams.get("type");
      const name = url.searchParams.get("name");
      const perPage = Math.min(200, Number(url.searchParams.get("per_page") ?? 20));
      const page = Number(url.searchParams.get("page") ?? 1);
      const matching = [...records.values()].filter(
        (r) => r.domain === domain && (!type || r.type === type) && (!name || fullName(r) === name),
      );
      const slice = matching.slice((page - 1) * perPage, page * perPage);
      const next = page * perPage < matching.length ? `${url.origin}${url.pathname}?page=${page + 1}&per_page=${perPage}` : undefined;
      return jsonResponse(200, {
        domain_records: slice.map(({ domain: _, ...r }) => ({ ...r, priority: null, port: null, weight: null, flags: null, tag: null })),
        links: next ? { pages: { next } } : {},
        meta: { total: matching.length },
      });
    }

    if (request.method === "POST" && recordId === undefined) {
      const body = (await readJson(request)) as Partial<DomainRecord> | undefined;
      if (!body || body.type !== "TXT" || typeof body.name !== "string" || typeof body.data !== "string" || body.data === "") {
        return jsonResponse(422, { id: "unprocessable_entity", message: "Name, type and data are required (this fake creates TXT only)" });
      }
      if (body.name.endsWith(`.${domain}`) || body.name === domain) {
        return jsonResponse(422, { id: "unprocessable_entity", message: "Name should be relative to the domain" });
      }
      const ttl = body.ttl ?? 1800;
      if (ttl < 30) return jsonResponse(422, { id: "unprocessable_entity", message: "TTL must be at least 30" });
      const record: DomainRecord = { id: nextId++, domain, type: "TXT", name: body.name.toLowerCase(), data: body.data, ttl };
      records.set(record.id, record);
      return jsonResponse(201, { domain_record: record });
    }

    if (request.method === "DELETE" && recordId !== undefined) {
      const record = records.get(recordId);
      if (!record || record.domain !== domain) return notFound();
      records.delete(recordId);
      return new Response(null, { status: 204 });
    }

    return jsonResponse(405, { id: "method_not_allowed", message: "Method not allowed" });
  }

  return {
    handle,
    fetch: asFetch(handle, requests),
    requests,
    throttle: (count, retryAfterSeconds) => throttled.arm(count, retryAfterSeconds),
    txt: (fqdn) => [...records.values()].filter((r) => r.type === "TXT" && fullName(r) === fqdn).map((r) => r.data),
    seed(fqdn, value) {
      const domain = zoneOf(fqdn, domains);
      if (!domain) throw new Error(`no fake domain for ${fqdn}`);
      const name = fqdn === domain ? "@" : fqdn.slice(0, -(domain.length + 1));
      records.set(nextId, { id: nextId++, domain, type: "TXT", name, data: value, ttl: 3600 });
    },
  };
}
