/**
 * A fake of the Cloudflare API v4 DNS endpoints (zones, dns_records) with in-memory state. Bearer-token auth
 * as the real API does it; TXT records one per value. Plain web APIs only: it can also be mounted as a local
 * HTTP server, with `onChange` mirroring TXT values elsewhere (e.g. into pebble-challtestsrv).
 *
 * Throttled requests answer as the API's rate limit does (https://developers.cloudflare.com/fundamentals/api/reference/limits/):
 * HTTP 429 with `retry-after` in seconds, and the v4 envelope with error 971.
 */
import { asFetch, countdown, jsonResponse, readJson, unquote, zoneOf, type DnsFake, type OnTxtChange } from "./shared";

export interface CloudflareFakeOptions {
  apiToken: string;
  /** Zone names the token can see, e.g. ["example.com"]. */
  zones: string[];
  onChange?: OnTxtChange;
}

interface FakeRecord {
  id: string;
  zone_id: string;
  zone_name: string;
  name: string;
  type: string;
  content: string;
  ttl: number;
  proxied: false;
}

export interface CloudflareFake extends DnsFake {
  /** Raw stored records (content exactly as the client sent it). */
  readonly records: Map<string, FakeRecord>;
}

const PREFIX = "/client/v4";

function envelope(status: number, result: unknown, extra: Record<string, unknown> = {}): Response {
  return jsonResponse(status, { success: status < 300, errors: [], messages: [], result, ...extra });
}

function errors(status: number, list: { code: number; message: string; error_chain?: unknown[] }[]): Response {
  return jsonResponse(status, { success: false, errors: list, messages: [], result: null });
}

export function createCloudflareFake(options: CloudflareFakeOptions): CloudflareFake {
  const zones = new Map<string, string>(options.zones.map((name, i) => [`zone${i + 1}${"0".repeat(27)}`, name] as const));
  const records = new Map<string, FakeRecord>();
  const requests: string[] = [];
  const throttled = countdown();
  let nextId = 1;
  /**
   * onChange calls run one after another, in the order of the changes: two concurrent deletes at one name must not
   * interleave a mirror's clear-then-set steps and leave a value behind.
   */
  let mirrored: Promise<unknown> = Promise.resolve();
  function changed(fqdn: string): Promise<void> {
    const values = txt(fqdn);
    const run = mirrored.then(() => options.onChange?.(fqdn, values));
    mirrored = run.catch(() => undefined);
    return run;
  }

  function txt(fqdn: string): string[] {
    return [...records.values()].filter((r) => r.type === "TXT" && r.name === fqdn).map((r) => unquote(r.content));
  }

  function add(zoneId: string, name: string, content: string, ttl: number): FakeRecord {
    const id = (nextId++).toString(16).padStart(32, "0");
    const record: FakeRecord = { id, zone_id: zoneId, zone_name: zones.get(zoneId)!, name, type: "TXT", content, ttl, proxied: false };
    records.set(id, record);
    return record;
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (!url.pathname.startsWith(PREFIX)) return errors(404, [{ code: 7000, message: "No route for that URI" }]);
    const path = url.pathname.slice(PREFIX.length).replace(/\/$/, "");

    const authorization = request.headers.get("authorization");
    if (!authorization || !/^Bearer \S+$/.test(authorization)) {
      return errors(400, [
        { code: 6003, message: "Invalid request headers", error_chain: [{ code: 6111, message: "Invalid format for Authorization header" }] },
      ]);
    }
    if (authorization !== `Bearer ${options.apiToken}`) return errors(403, [{ code: 9109, message: "Invalid access token" }]);
    if (throttled.take()) {
      return jsonResponse(
        429,
        { success: false, errors: [{ code: 971, message: "Please wait and consider throttling your request speed" }], messages: [], result: null },
        { "retry-after": String(throttled.retryAfterSeconds) },
      );
    }

    if (request.method === "GET" && path === "/zones") {
      const name = url.searchParams.get("name");
      const result = [...zones].filter(([, z]) => !name || z === name).map(([id, z]) => ({ id, name: z, status: "active" }));
      return envelope(200, result, { result_info: { page: 1, per_page: 20, count: result.length, total_count: result.length, total_pages: 1 } });
    }

    const match = /^\/zones\/([^/]+)\/dns_records(?:\/([^/]+))?$/.exec(path);
    if (!match) return errors(404, [{ code: 7000, message: "No route for that URI" }]);
    const zoneId = decodeURIComponent(match[1]!);
    const zoneName = zones.get(zoneId);
    if (!zoneName) return errors(404, [{ code: 7003, message: "Could not route to /zones/" + zoneId + ", perhaps your object identifier is invalid?" }]);
    const recordId = match[2] && decodeURIComponent(match[2]);

    if (request.method === "GET" && !recordId) {
      const type = url.searchParams.get("type");
      const name = url.searchParams.get("name");
      const result = [...records.values()].filter((r) => r.zone_id === zoneId && (!type || r.type === type) && (!name || r.name === name));
      return envelope(200, result, { result_info: { page: 1, per_page: 100, count: result.length, total_count: result.length, total_pages: 1 } });
    }

    if (request.method === "POST" && !recordId) {
      const body = (await readJson(request)) as { type?: unknown; name?: unknown; content?: unknown; ttl?: unknown } | undefined;
      if (!body || body.type !== "TXT" || typeof body.name !== "string" || typeof body.content !== "string") {
        return errors(400, [{ code: 9000, message: "DNS name, type and content are required (this fake handles TXT only)" }]);
      }
      const name = body.name.toLowerCase();
      if (zoneOf(name, [zoneName]) !== zoneName) return errors(400, [{ code: 9007, message: "Record name is outside the zone" }]);
      const ttl = body.ttl === undefined ? 1 : body.ttl;
      if (typeof ttl !== "number" || (ttl !== 1 && (ttl < 60 || ttl > 86400))) return errors(400, [{ code: 9021, message: "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic." }]);
      if ([...records.values()].some((r) => r.zone_id === zoneId && r.type === "TXT" && r.name === name && r.content === body.content)) {
        return errors(400, [{ code: 81058, message: "An identical record already exists." }]);
      }
      const messages = /^".*"$/.test(body.content) ? [] : [{ code: 1000, message: "TXT content should be wrapped in quotation marks" }];
      const record = add(zoneId, name, body.content, ttl);
      await changed(name);
      return envelope(200, record, { messages });
    }

    if (request.method === "DELETE" && recordId) {
      const record = records.get(recordId);
      if (!record || record.zone_id !== zoneId) return errors(404, [{ code: 81044, message: "Record does not exist." }]);
      records.delete(recordId);
      await changed(record.name);
      return envelope(200, { id: recordId });
    }

    return errors(405, [{ code: 10405, message: "Method not allowed for this route" }]);
  }

  return {
    handle,
    fetch: asFetch(handle, requests),
    records,
    requests,
    throttle: (count, retryAfterSeconds) => throttled.arm(count, retryAfterSeconds),
    txt,
    seed(fqdn, value) {
      const zoneName = zoneOf(fqdn, zones.values());
      const zoneId = [...zones].find(([, z]) => z === zoneName)?.[0];
      if (!zoneId) throw new Error(`no fake zone for ${fqdn}`);
      add(zoneId, fqdn, `"${value}"`, 60);
    },
  };
}
