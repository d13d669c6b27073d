/**
 * A fake recursive resolver behind a DNS-over-HTTPS JSON API (`accept: application/dns-json`), as served by
 * https://cloudflare-dns.com/dns-query (https://developers.cloudflare.com/1.1.1.1/encryption/dns-over-https/make-api-requests/dns-json/):
 * TXT data comes back quoted, long values split into 255-byte strings.
 *
 * Like a real resolver it caches: the first answer for a name is served again, its TTL counting down, until that TTL
 * has passed (RFC 1035 §3.2.1, RFC 2181 §5.2: the TTL is how long a resolver may keep the whole RRset); only then is
 * the authoritative data asked again. A negative answer (NXDOMAIN) is cached for `negativeTtlSeconds` (RFC 2308 §5,
 * the zone's SOA minimum), not at all by default.
 */
import { asFetch, jsonResponse } from "./shared";

export interface DohFakeOptions {
  /** The clock the cache runs on (default Date.now). */
  now?: () => number;
  /** The authoritative data for a name without `set` values: e.g. a provider fake's TXT values and the TTL it stores. */
  authority?: (fqdn: string) => { values: string[]; ttlSeconds: number };
  /** How long NXDOMAIN is cached (RFC 2308 §5); 0 by default. */
  negativeTtlSeconds?: number;
}

export interface DohFake {
  readonly fetch: typeof fetch;
  readonly requests: string[];
  /** Sets the authoritative TXT values at `fqdn` (none → NXDOMAIN), with their TTL (default 60 s). */
  set(fqdn: string, values: string[], ttlSeconds?: number): void;
  /** Makes the next `count` queries fail with HTTP 503. */
  failNext(count: number): void;
  /** Every answer sent for `fqdn`, oldest first, as the (unquoted) values it held. */
  answers(fqdn: string): string[][];
}

interface Cached {
  values: string[];
  expiresAt: number;
}

function presentation(value: string): string {
  const chunks = value.match(/[\s\S]{1,255}/g) ?? [""];
  return chunks.map((c) => `"${c.replace(/["\\]/g, (x) => `\\${x}`)}"`).join(" ");
}

export function createDohFake(options: DohFakeOptions = {}): DohFake {
  const now = options.now ?? Date.now;
  const zone = new Map<string, { values: string[]; ttlSeconds: number }>();
  const cache = new Map<string, Cached>();
  const sent = new Map<string, string[][]>();
  const requests: string[] = [];
  let failures = 0;

  /** The cached answer for `name`, or a fresh one from the authoritative data, now cached for its TTL. */
  function resolve(name: string): { values: string[]; ttl: number } {
    const cached = cache.get(name);
    if (cached && now() < cached.expiresAt) return { values: cached.values, ttl: Math.ceil((cached.expiresAt - now()) / 1000) };
    const fresh = zone.get(name) ?? options.authority?.(name) ?? { values: [], ttlSeconds: 0 };
    const ttl = fresh.values.length > 0 ? fresh.ttlSeconds : (options.negativeTtlSeconds ?? 0);
    cache.set(name, { values: [...fresh.values], expiresAt: now() + ttl * 1000 });
    return { values: [...fresh.values], ttl };
  }

  async function handle(request: Request): Promise<Response> {
    if (request.headers.get("accept") !== "application/dns-json") return new Response("Bad Request", { status: 400 });
    if (failures > 0) {
      failures--;
      return new Response("Service Unavailable", { status: 503 });
    }
    const url = new URL(request.url);
    const name = (url.searchParams.get("name") ?? "").toLowerCase().replace(/\.$/, "");
    const type = url.searchParams.get("type");
    if (type !== "TXT" && type !== "16") return jsonResponse(200, { Status: 0, Question: [{ name, type }], Answer: [] });
    const { values, ttl } = resolve(name);
    sent.set(name, [...(sent.get(name) ?? []), values]);
    return jsonResponse(
      200,
      {
        Status: values.length ? 0 : 3,
        TC: false,
        RD: true,
        RA: true,
        AD: false,
        CD: false,
        Question: [{ name: `${name}.`, type: 16 }],
        ...(values.length ? { Answer: values.map((v) => ({ name: `${name}.`, type: 16, TTL: ttl, data: presentation(v) })) } : {}),
      },
      { "content-type": "application/dns-json" },
    );
  }

  return {
    fetch: asFetch(handle, requests),
    requests,
    set: (fqdn, values, ttlSeconds = 60) => void zone.set(fqdn, { values, ttlSeconds }),
    failNext: (count) => {
      failures = count;
    },
    answers: (fqdn) => sent.get(fqdn) ?? [],
  };
}
