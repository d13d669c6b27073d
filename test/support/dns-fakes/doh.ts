/**
 * A fake DNS-over-HTTPS resolver speaking the JSON API (`accept: application/dns-json`), as served by
 * https://cloudflare-dns.com/dns-query: TXT data comes back quoted, long values split into 255-byte strings.
 */
import { asFetch, jsonResponse } from "./shared";

export interface DohFake {
  readonly fetch: typeof fetch;
  readonly requests: string[];
  /** Sets the TXT values the resolver will answer for `fqdn` (none → NXDOMAIN). */
  set(fqdn: string, values: string[]): void;
  /** Makes the next `count` queries fail with HTTP 503. */
  failNext(count: number): void;
}

function presentation(value: string): string {
  const chunks = value.match(/[\s\S]{1,255}/g) ?? [""];
  return chunks.map((c) => `"${c.replace(/["\\]/g, (x) => `\\${x}`)}"`).join(" ");
}

export function createDohFake(): DohFake {
  const answers = new Map<string, string[]>();
  const requests: string[] = [];
  let failures = 0;

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
    const values = answers.get(name) ?? [];
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
        ...(values.length ? { Answer: values.map((v) => ({ name: `${name}.`, type: 16, TTL: 60, data: presentation(v) })) } : {}),
      },
      { "content-type": "application/dns-json" },
    );
  }

  return {
    fetch: asFetch(handle, requests),
    requests,
    set: (fqdn, values) => answers.set(fqdn, values),
    failNext: (count) => {
      failures = count;
    },
  };
}
