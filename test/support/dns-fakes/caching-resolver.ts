/**
 * A caching recursive resolver in front of a real DNS-over-HTTPS JSON endpoint (the e2e harness's, answering from
 * pebble-challtestsrv): the first answer for a name and type is kept and served again until its TTL has passed
 * (RFC 1035 §3.2.1, RFC 2181 §5.2: the lowest TTL of the RRset), as public resolvers do. Negative answers are not
 * cached. Plain web APIs only: it runs in workerd and in Node.
 */

export interface CachingResolver {
  /** The resolver as a `fetch`: give it DoH JSON requests (`accept: application/dns-json`). */
  readonly fetch: typeof fetch;
  /** Every TXT answer served for `fqdn`, oldest first, as its (unquoted) values. */
  answers(fqdn: string): string[][];
}

interface DohJson {
  Status?: number;
  Answer?: { type?: number; TTL?: number; data?: string }[];
}

export function createCachingResolver(upstream: typeof fetch, now: () => number = Date.now): CachingResolver {
  const cache = new Map<string, { body: string; expiresAt: number }>();
  const served = new Map<string, string[][]>();

  async function resolve(url: URL, init: RequestInit | undefined): Promise<string> {
    const key = `${url.searchParams.get("name")?.toLowerCase().replace(/\.$/, "")} ${url.searchParams.get("type")}`;
    const hit = cache.get(key);
    if (hit && now() < hit.expiresAt) return hit.body;
    const response = await upstream(url, init);
    const body = await response.text();
    if (!response.ok) throw new Error(`upstream resolver answered HTTP ${response.status}`);
    const answers = (JSON.parse(body) as DohJson).Answer ?? [];
    const ttl = Math.min(...answers.map((a) => a.TTL ?? 0));
    if (answers.length > 0 && ttl > 0) cache.set(key, { body, expiresAt: now() + ttl * 1000 });
    return body;
  }

  const resolverFetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = await resolve(url, init);
    if (url.searchParams.get("type") === "TXT") {
      const name = (url.searchParams.get("name") ?? "").toLowerCase().replace(/\.$/, "");
      const values = ((JSON.parse(body) as DohJson).Answer ?? []).filter((a) => a.type === 16).map((a) => (a.data ?? "").replace(/^"|"$/g, ""));
      served.set(name, [...(served.get(name) ?? []), values]);
    }
    return new Response(body, { status: 200, headers: { "content-type": "application/dns-json" } });
  };

  return { fetch: resolverFetch, answers: (fqdn) => served.get(fqdn) ?? [] };
}
