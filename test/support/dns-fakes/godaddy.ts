/**
 * A fake of the GoDaddy Domains API v1 DNS record endpoints, in memory. `sso-key key:secret` auth; PUT on
 * /records/:type/:name replaces every record at that type and name; DELETE removes them all.
 */
import { asFetch, jsonResponse, readJson, zoneOf, type DnsFake } from "./shared";

export interface GodaddyFakeOptions {
  apiKey: string;
  apiSecret: string;
  domains: string[];
}

interface DnsRecord {
  type: string;
  name: string;
  data: string;
  ttl: number;
}

export function createGodaddyFake(options: GodaddyFakeOptions): DnsFake {
  const domains = new Map<string, DnsRecord[]>(options.domains.map((d) => [d, [{ type: "A", name: "@", data: "192.0.2.1", ttl: 600 }]]));
  const requests: string[] = [];
  const nameOf = (fqdn: string, domain: string) => (fqdn === domain ? "@" : fqdn.slice(0, -(domain.length + 1)));

  async function handle(request: Request): Promise<Response> {
    const authorization = request.headers.get("authorization") ?? "";
    if (!authorization.startsWith("sso-key ")) {
      return jsonResponse(401, { code: "MISSING_CREDENTIALS", message: "Authenticated user is not allowed access" });
    }
    if (authorization !== `sso-key ${options.apiKey}:${options.apiSecret}`) {
      return jsonResponse(401, { code: "UNABLE_TO_AUTHENTICATE", message: "Unable to authenticate credentials" });
    }
    const url = new URL(request.url);
    const match = /^\/v1\/domains\/([^/]+)(?:\/records\/([A-Z]+)\/([^/]+))?\/?$/.exec(url.pathname);
    if (!match) return jsonResponse(404, { code: "NOT_FOUND", message: "Not found" });
    const domain = decodeURIComponent(match[1]!);
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain)) {
      return jsonResponse(422, { code: "INVALID_BODY", message: "Request body doesn't fulfill schema, see details in `fields`", fields: [{ path: "domain", code: "INVALID_DOMAIN" }] });
    }
    const records = domains.get(domain);
    if (!records) return jsonResponse(404, { code: "NOT_FOUND", message: `Domain ${domain} not found` });

    if (!match[2]) {
      if (request.method !== "GET") return jsonResponse(405, { code: "METHOD_NOT_ALLOWED", message: "Method not allowed" });
      return jsonResponse(200, { domain, domainId: 1, status: "ACTIVE", nameServers: ["ns01.domaincontrol.com"] });
    }
    const type = match[2];
    const name = decodeURIComponent(match[3]!);
    const at = () => records.filter((r) => r.type === type && r.name === name);

    if (request.method === "GET") return jsonResponse(200, at());

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
