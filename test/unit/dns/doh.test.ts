/** dohQuery: one DoH JSON query (the request it sends, the answer it reads, and what it throws), against a fake resolver. */
import { describe, expect, it } from "vitest";
import { dohQuery } from "../../../src/dns/doh";

const RESOLVER = "https://dns.google/resolve";

/** A resolver that answers every query with `respond()` and keeps the requests it was sent. */
function fakeResolver(respond: () => Response | Promise<Response>) {
  const requests: Request[] = [];
  const fetchFake: typeof fetch = async (input, init) => {
    requests.push(new Request(input, init));
    return respond();
  };
  return { requests, options: { resolverUrl: RESOLVER, fetch: fetchFake, timeoutMs: 5_000 } };
}

describe("dohQuery", () => {
  it("sends GET <resolver>?name=…&type=… with the name and type encoded, keeping the resolver's own path and query", async () => {
    const doh = fakeResolver(() => Response.json({ Status: 0 }));
    await dohQuery("a&type=A.example.com", "CAA", { ...doh.options, resolverUrl: "https://doh.example/dns-query?ct=x" });
    expect(doh.requests).toHaveLength(1);
    const request = doh.requests[0]!;
    expect(request.method).toBe("GET");
    expect(request.url).toBe("https://doh.example/dns-query?ct=x&name=a%26type%3DA.example.com&type=CAA");
    expect(new URL(request.url).searchParams.getAll("type")).toEqual(["CAA"]);
  });

  it("asks for application/dns-json", async () => {
    const doh = fakeResolver(() => Response.json({ Status: 0 }));
    await dohQuery("example.com", "TXT", doh.options);
    expect(doh.requests[0]!.headers.get("accept")).toBe("application/dns-json");
  });

  it("returns the RCODE and every answer record, typed, with records it cannot read left out", async () => {
    const doh = fakeResolver(() =>
      Response.json({
        Status: 0,
        TC: false,
        Question: [{ name: "www.example.com.", type: 1 }],
        Answer: [
          { name: "www.example.com.", type: 5, TTL: 300, data: "cdn.example.net." },
          { name: "cdn.example.net.", type: 1, TTL: 60, data: "203.0.113.10" },
          { type: 1, data: "203.0.113.11" },
          { name: "cdn.example.net.", type: "1", TTL: 60, data: "203.0.113.12" },
          { name: "cdn.example.net.", type: 1, TTL: 60 },
        ],
      }),
    );
    expect(await dohQuery("www.example.com", "A", doh.options)).toEqual({
      status: 0,
      answers: [
        { name: "www.example.com.", type: 5, ttl: 300, data: "cdn.example.net." },
        { name: "cdn.example.net.", type: 1, ttl: 60, data: "203.0.113.10" },
        { type: 1, data: "203.0.113.11" },
      ],
    });
  });

  it("returns NXDOMAIN and SERVFAIL as a status, for the caller to judge, and reads a missing Status as NOERROR", async () => {
    expect(await dohQuery("gone.example.com", "AAAA", fakeResolver(() => Response.json({ Status: 3 })).options)).toEqual({ status: 3, answers: [] });
    expect(await dohQuery("broken.example.com", "AAAA", fakeResolver(() => Response.json({ Status: 2 })).options)).toEqual({ status: 2, answers: [] });
    expect(await dohQuery("example.com", "AAAA", fakeResolver(() => Response.json({})).options)).toEqual({ status: 0, answers: [] });
  });

  it("throws for a resolver that answers with an HTTP error", async () => {
    const doh = fakeResolver(() => new Response("unavailable", { status: 503 }));
    await expect(dohQuery("example.com", "TXT", doh.options)).rejects.toThrow("resolver answered HTTP 503");
  });

  it("throws for a body that is not JSON", async () => {
    const doh = fakeResolver(() => new Response("<html>captive portal</html>", { headers: { "content-type": "text/html" } }));
    await expect(dohQuery("example.com", "TXT", doh.options)).rejects.toThrow(SyntaxError);
  });

  it.each([
    ["null", null],
    ["an array", [{ Status: 0 }]],
    ["a string", "NOERROR"],
    ["a Status that is not a number", { Status: "0" }],
    ["an Answer that is not an array", { Status: 0, Answer: { type: 1, data: "203.0.113.10" } }],
    ["an Answer record that is not an object", { Status: 0, Answer: [null] }],
  ])("throws for JSON that is not a DoH answer: %s", async (_, body) => {
    const doh = fakeResolver(() => Response.json(body));
    await expect(dohQuery("example.com", "A", doh.options)).rejects.toThrow("resolver answered JSON that is not a DoH answer");
  });

  it("gives up with a TimeoutError after timeoutMs", async () => {
    const hanging: typeof fetch = (_, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)));
    const error = await dohQuery("example.com", "TXT", { resolverUrl: RESOLVER, fetch: hanging, timeoutMs: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("TimeoutError");
  });
});
