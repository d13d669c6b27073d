/**
 * A DNS-over-HTTPS resolver (the JSON API of dns/doh.ts) answering from a table, for fakes that stand for the whole
 * network: a request asking for `application/dns-json` is a query, anything else is not this fake's.
 */

/** A name's A/AAAA records, "nxdomain", or "fail" (the resolver answers 503). */
export type DohAnswer = string[] | "nxdomain" | "fail";
export type DohTable = Record<string, DohAnswer>;

/**
 * What every name not in a table resolves to: a global unicast address (one of example.com's, RFC 2606's name), which
 * no SSRF rule refuses; nothing connects to it. The documentation ranges (RFC 5737, RFC 3849) are special-purpose, so
 * they are refused like any other reserved range.
 */
export const PUBLIC_ADDRESS = "93.184.215.14";

/** The resolver's answer when `request` is a DoH query (recorded in `queries` as `name/type`), else undefined. */
export function dohAnswer(request: Request, table: DohTable, queries?: string[]): Response | undefined {
  if (request.headers.get("accept") !== "application/dns-json") return undefined;
  const url = new URL(request.url);
  const name = url.searchParams.get("name") ?? "";
  const type = url.searchParams.get("type") ?? "";
  queries?.push(`${name}/${type}`);
  const answer = table[name] ?? [PUBLIC_ADDRESS];
  if (answer === "fail") return new Response("unavailable", { status: 503 });
  if (answer === "nxdomain") return Response.json({ Status: 3 });
  const wanted = type === "AAAA" ? 28 : 1;
  const records = answer.filter((address) => address.includes(":") === (type === "AAAA")).map((data) => ({ name, type: wanted, TTL: 60, data }));
  return Response.json({ Status: 0, Answer: records });
}
