/**
 * The one outbound body reader: at most the limit is read and the rest is cancelled unread, for every caller (a
 * provider's API, DNS-over-HTTPS, the ACME client); OUTBOUND_RESPONSE_MAX_KIB sets the limit.
 */
import { describe, expect, it } from "vitest";
import { AcmeClient, generateAccountKey } from "../../../src/acme";
import { parseConfig } from "../../../src/core/config";
import { AppError } from "../../../src/core/errors";
import { dohQuery } from "../../../src/dns/doh";
import { DEFAULT_RESPONSE_LIMIT_BYTES, readBodyJson, readBodyStart, readBodyText, responseLimitOf, ResponseTooLarge } from "../../../src/outbound/bounded-body";
import { createProviderClient, providerRequest } from "../../../src/outbound/provider-http";
import { hugeBody, hugeResponse, MiB } from "../../support/huge-body";

const HUGE = 200 * MiB;
/** One pull of the huge body: what may arrive past the limit before the reader stops. */
const ONE_CHUNK = 64 * 1024;

async function refusal(promise: Promise<unknown>): Promise<ResponseTooLarge> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ResponseTooLarge);
  return error as ResponseTooLarge;
}

describe("readBodyStart", () => {
  it("gives the first bytes of a body, whole when shorter, and nothing of none", async () => {
    expect(await readBodyStart(new Response("ok"), 1024)).toBe("ok");
    expect(await readBodyStart(new Response("abcdef"), 4)).toBe("abcd");
    expect(await readBodyStart(new Response(null), 1024)).toBe("");
  });

  it("stops a 200 MiB body at its limit and cancels the rest unread", async () => {
    const { response, body } = hugeResponse(HUGE);
    expect(await readBodyStart(response, 4096)).toBe("a".repeat(4096));
    expect(body.pulled()).toBeLessThanOrEqual(4096 + ONE_CHUNK);
    expect(body.cancelled()).toBe(true);
  });
});

describe("readBodyText", () => {
  it("reads a body up to the limit, and refuses one byte more", async () => {
    expect(await readBodyText(new Response("x".repeat(1024)), 1024)).toBe("x".repeat(1024));
    expect((await refusal(readBodyText(new Response("x".repeat(1025)), 1024))).message).toBe("a body larger than 1 KiB");
    expect(await readBodyJson(Response.json({ ok: true }))).toEqual({ ok: true });
    expect(await readBodyText(new Response(null))).toBe("");
  });

  it("stops a 200 MiB body at the default 1 MiB and cancels the rest unread", async () => {
    const { response, body } = hugeResponse(HUGE);
    const error = await refusal(readBodyText(response));
    expect(error.message).toBe("a body larger than 1024 KiB");
    expect(body.pulled()).toBeLessThanOrEqual(DEFAULT_RESPONSE_LIMIT_BYTES + ONE_CHUNK);
    expect(body.cancelled()).toBe(true);
  });

  it("reads nothing when Content-Length already says the body is too large", async () => {
    const body = hugeBody(HUGE);
    const response = new Response(body.stream, { headers: { "content-length": String(HUGE) } });
    await refusal(readBodyText(response, 4096));
    expect(body.pulled()).toBe(0);
    expect(body.cancelled()).toBe(true);
  });

  it("counts the decoded bytes of a compressed body, whatever its Content-Length (a gzip bomb)", async () => {
    // 200 MiB of zeros is a few hundred KiB of gzip: the runtime inflates it as it reads, as it would a fetch's body.
    const zeros = hugeBody(HUGE, 0);
    const compressed = zeros.stream.pipeThrough(new CompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
    const inflated = compressed.pipeThrough(new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
    const response = new Response(inflated, { headers: { "content-encoding": "gzip", "content-length": "200000" } });
    await refusal(readBodyText(response, 64 * 1024));
    expect(zeros.pulled()).toBeLessThan(8 * MiB);
  });
});

describe("OUTBOUND_RESPONSE_MAX_KIB", () => {
  const base = {
    CERTDESK_ENV: "test",
    ADMIN_TOKEN: "test-admin-token-0123456789",
    ENCRYPTION_KEY: "dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTMyYnl0ZXM=",
    ACME_DIRECTORY_URL: "https://acme.example/directory",
    ACME_STAGING_DIRECTORY_URL: "https://acme.example/staging",
    DOH_RESOLVER_URL: "none",
  };

  it("is 1 MiB unless set, and sets every reader's limit in KiB", () => {
    expect(responseLimitOf(parseConfig(base))).toBe(1024 * 1024);
    expect(responseLimitOf(parseConfig({ ...base, OUTBOUND_RESPONSE_MAX_KIB: "64" }))).toBe(64 * 1024);
  });

  it.each(["0", "1.5", "abc", "65537"])("refuses %s and names the variable, not a value", (value) => {
    const logged: string[] = [];
    const original = console.error;
    console.error = (message: string) => void logged.push(message);
    try {
      expect(() => parseConfig({ ...base, OUTBOUND_RESPONSE_MAX_KIB: value })).toThrow(/misconfigured/);
    } finally {
      console.error = original;
    }
    expect(logged.join("\n")).toContain("OUTBOUND_RESPONSE_MAX_KIB: OUTBOUND_RESPONSE_MAX_KIB must be a whole number of KiB from 1 to 65536");
  });
});

describe("every outbound caller reads through it", () => {
  it("a provider's API: a 200 answer of 200 MiB is a failure of the call, saying why", async () => {
    const { response, body } = hugeResponse(HUGE, { status: 200 });
    const client = createProviderClient("Example DNS", "API token", [], { fetch: async () => response }, ["https://api.example.com"]);
    const error = await providerRequest(client, "https://api.example.com/zones", { method: "GET" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toBe("Example DNS answered HTTP 200 with a body larger than 1024 KiB; it was not read");
    expect((error as AppError).code).toBe("dns_provider_error");
    expect(body.cancelled()).toBe(true);
  });

  it("a provider's API at a configured limit", async () => {
    const client = createProviderClient("Example DNS", "API token", [], { fetch: async () => new Response("y".repeat(3000)), responseLimitBytes: 2048 }, [
      "https://api.example.com",
    ]);
    const error = await providerRequest(client, "https://api.example.com/zones", { method: "GET" }).catch((e: unknown) => e);
    expect((error as AppError).message).toBe("Example DNS answered HTTP 200 with a body larger than 2 KiB; it was not read");
  });

  it("DNS-over-HTTPS: a resolver answering 200 MiB fails the query", async () => {
    const { response, body } = hugeResponse(HUGE, { status: 200, headers: { "content-type": "application/dns-json" } });
    const query = dohQuery("example.com", "A", { resolverUrl: "https://doh.example/dns-query", fetch: async () => response, timeoutMs: 5_000 });
    await expect(query).rejects.toThrow("resolver answered with a body larger than 1024 KiB");
    expect(body.cancelled()).toBe(true);
  });

  it("the ACME client: a directory of 200 MiB is a malformed answer, not read", async () => {
    const { response, body } = hugeResponse(HUGE, { status: 200, headers: { "content-type": "application/json" } });
    const client = new AcmeClient({ directoryUrl: "https://acme.example/directory", accountKey: await generateAccountKey(), fetch: async () => response });
    await expect(client.getDirectory()).rejects.toThrow("ACME server acme.example answered with a body larger than 1024 KiB; it was not read");
    expect(body.cancelled()).toBe(true);
  });
});
