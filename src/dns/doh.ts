/**
 * One query over DNS-over-HTTPS with the JSON API that Google (https://developers.google.com/speed/public-dns/docs/doh/json)
 * and Cloudflare (https://developers.cloudflare.com/1.1.1.1/encryption/dns-over-https/make-api-requests/dns-json/)
 * serve: `GET <resolver>?name=…&type=…` with `accept: application/dns-json`. Workers cannot send UDP, so every DNS
 * lookup here goes this way. What an RCODE means is each caller's to decide.
 */
import { discardBody, readBodyJson, ResponseTooLarge } from "../outbound/bounded-body";

/** RR type codes as the JSON API gives them in `type` (RFC 1035 §3.2.2 for A, CNAME and TXT, RFC 3596 §2.1, RFC 8659 §4.1). */
export const RR_TYPE = { A: 1, CNAME: 5, TXT: 16, AAAA: 28, CAA: 257 } as const;
export type DohRecordType = keyof typeof RR_TYPE;

/** RCODEs (RFC 1035 §4.1.1) as the JSON API gives them in `Status`. */
export const NOERROR = 0;
export const NXDOMAIN = 3;

export interface DohQueryOptions {
  /** The DoH JSON endpoint, e.g. https://cloudflare-dns.com/dns-query. */
  resolverUrl: string;
  fetch?: typeof fetch;
  /** Abort the query (a TimeoutError) after this long. */
  timeoutMs: number;
  /** The most of an answer's body read (outbound/bounded-body.ts; its default when absent). */
  responseLimitBytes?: number;
}

export interface DohRecord {
  name?: string;
  type: number;
  ttl?: number;
  /** In presentation format, or RFC 3597 §5's `\# …` for types the resolver does not know. */
  data: string;
}

export interface DohResult {
  /** The RCODE; an answer without `Status` reads as NOERROR. */
  status: number;
  /** Every record of the Answer section, of any type: a resolver also lists the CNAMEs it followed. */
  answers: DohRecord[];
}

/**
 * Asks `resolverUrl` for the `type` records at `name` (as given: no normalizing). Throws "resolver answered HTTP <n>"
 * for a non-2xx answer, "resolver answered with a body larger than …" past the limit, a SyntaxError for a body that is not JSON, and "resolver answered JSON that is not a DoH answer"
 * for one without the API's shape. Records without a numeric type or a string data are left out: nothing reads them.
 */
export async function dohQuery(name: string, type: DohRecordType, options: DohQueryOptions): Promise<DohResult> {
  const url = new URL(options.resolverUrl);
  url.searchParams.set("name", name);
  url.searchParams.set("type", type);
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const response = await doFetch(url.toString(), {
    headers: { accept: "application/dns-json" },
    signal: AbortSignal.timeout(options.timeoutMs),
  });
  if (!response.ok) {
    await discardBody(response);
    throw new Error(`resolver answered HTTP ${response.status}`);
  }
  let body: unknown;
  try {
    body = await readBodyJson(response, options.responseLimitBytes);
  } catch (error) {
    if (error instanceof ResponseTooLarge) throw new Error(`resolver answered with ${error.message}`);
    throw error;
  }
  return readDohJson(body);
}

function readDohJson(body: unknown): DohResult {
  if (!isObject(body)) throw notDohJson();
  const { Status, Answer } = body;
  if (Status !== undefined && typeof Status !== "number") throw notDohJson();
  if (Answer !== undefined && !(Array.isArray(Answer) && Answer.every(isObject))) throw notDohJson();
  const answers: DohRecord[] = [];
  for (const record of (Answer ?? []) as Record<string, unknown>[]) {
    if (typeof record.type !== "number" || typeof record.data !== "string") continue;
    answers.push({
      ...(typeof record.name === "string" ? { name: record.name } : {}),
      type: record.type,
      ...(typeof record.TTL === "number" ? { ttl: record.TTL } : {}),
      data: record.data,
    });
  }
  return { status: Status ?? NOERROR, answers };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function notDohJson(): Error {
  return new Error("resolver answered JSON that is not a DoH answer");
}
