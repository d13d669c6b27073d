/**
 * The addresses a host name resolves to, over DNS-over-HTTPS with the JSON API (`accept: application/dns-json`, as
 * dns/propagation.ts and dns/caa.ts ask for TXT and CAA): a Worker cannot send UDP, and `fetch` does not say which
 * address it connected to, so this is how a webhook URL's name is checked to be public before anything is sent there.
 */

const A = 1;
const AAAA = 28;
const QUERY_MS = 5_000;

interface DohAnswer {
  Status?: number;
  Answer?: { type?: number; data?: string }[];
}

export interface ResolveOptions {
  resolverUrl: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

async function query(name: string, type: "A" | "AAAA", options: ResolveOptions): Promise<string[]> {
  const url = new URL(options.resolverUrl);
  url.searchParams.set("name", name);
  url.searchParams.set("type", type);
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const response = await doFetch(url.toString(), {
    headers: { accept: "application/dns-json" },
    signal: AbortSignal.timeout(options.timeoutMs ?? QUERY_MS),
  });
  if (!response.ok) throw new Error(`resolver answered HTTP ${response.status}`);
  const body = (await response.json()) as DohAnswer;
  // 3 is NXDOMAIN: no addresses. Other non-zero codes (SERVFAIL, REFUSED…) are failures.
  if (body.Status !== undefined && body.Status !== 0 && body.Status !== 3) throw new Error(`resolver returned DNS status ${body.Status}`);
  // The resolver follows CNAMEs; only the address records at the end count.
  const wanted = type === "A" ? A : AAAA;
  return (body.Answer ?? []).filter((a) => a.type === wanted && typeof a.data === "string").map((a) => a.data!.trim());
}

/** Every IPv4 and IPv6 address of `name` (empty when it has none); throws when the resolver fails. */
export async function resolveAddresses(name: string, options: ResolveOptions): Promise<string[]> {
  const [v4, v6] = await Promise.all([query(name, "A", options), query(name, "AAAA", options)]);
  return [...v4, ...v6];
}
