/** Cloudflare specifics, plus the transport failures every provider shares (timeouts, 5xx, 429, redaction). */
import { describe, expect, it } from "vitest";
import { createCloudflareProvider } from "../../../src/dns/cloudflare";
import { createCloudflareFake } from "../../support/dns-fakes/cloudflare";
import { expectAppError } from "./expect-failure";
import { virtualClock } from "./virtual-clock";

const TOKEN = "cf-token-0123456789abcdefghijklmnopqrstuv";
const FQDN = "_acme-challenge.example.com";
const VALUE = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";

describe("Cloudflare provider", () => {
  describe("happy path", () => {
    it("writes TXT content as a quoted character-string with a short TTL", async () => {
      const fake = createCloudflareFake({ apiToken: TOKEN, zones: ["example.com"] });
      await createCloudflareProvider({ apiToken: TOKEN }, { fetch: fake.fetch }).present(FQDN, VALUE);
      const [record] = [...fake.records.values()];
      expect(record).toMatchObject({ name: FQDN, type: "TXT", content: `"${VALUE}"`, ttl: 60 });
    });

    it("calls onChange with every value at the name after each change", async () => {
      const changes: [string, string[]][] = [];
      const fake = createCloudflareFake({ apiToken: TOKEN, zones: ["example.com"], onChange: (fqdn, values) => void changes.push([fqdn, values]) });
      const provider = createCloudflareProvider({ apiToken: TOKEN }, { fetch: fake.fetch });
      await provider.present(FQDN, "one");
      await provider.present(FQDN, "two");
      await provider.cleanUp(FQDN, "one");
      expect(changes).toEqual([
        [FQDN, ["one"]],
        [FQDN, ["one", "two"]],
        [FQDN, ["two"]],
      ]);
    });

    it("looks the zone up once per name and goes to baseUrl when given", async () => {
      const fake = createCloudflareFake({ apiToken: TOKEN, zones: ["example.com"] });
      const urls: string[] = [];
      const provider = createCloudflareProvider(
        { apiToken: TOKEN },
        { baseUrl: "http://127.0.0.1:8788/", fetch: (input, init) => (urls.push(String(input)), fake.fetch(input, init)) },
      );
      await provider.present(FQDN, VALUE);
      await provider.cleanUp(FQDN, VALUE);
      expect(urls.every((u) => u.startsWith("http://127.0.0.1:8788/client/v4/"))).toBe(true);
      expect(fake.requests.filter((r) => r.startsWith("GET /client/v4/zones?"))).toEqual([
        "GET /client/v4/zones?name=_acme-challenge.example.com&per_page=5",
        "GET /client/v4/zones?name=example.com&per_page=5",
      ]);
    });

    it("treats 'an identical record already exists' as success", async () => {
      const fake = createCloudflareFake({ apiToken: TOKEN, zones: ["example.com"] });
      fake.seed(FQDN, VALUE);
      // A listing that misses the record (e.g. a concurrent writer) must not turn the POST conflict into a failure.
      const hideRecords: typeof fetch = async (input, init) => {
        const request = new Request(input, init);
        if (request.method === "GET" && request.url.includes("/dns_records")) {
          return Response.json({ success: true, errors: [], messages: [], result: [] });
        }
        return fake.fetch(request);
      };
      await createCloudflareProvider({ apiToken: TOKEN }, { fetch: hideRecords }).present(FQDN, VALUE);
      expect(fake.txt(FQDN)).toEqual([VALUE]);
      expect(fake.requests.at(-1)).toBe(`POST /client/v4/zones/${[...fake.records.values()][0]!.zone_id}/dns_records`);
    });
  });

  describe("errors", () => {
    it("hints at token permissions when no zone is visible", async () => {
      const fake = createCloudflareFake({ apiToken: TOKEN, zones: [] });
      const error = await expectAppError(createCloudflareProvider({ apiToken: TOKEN }, { fetch: fake.fetch }).present(FQDN, VALUE));
      expect(error.code).toBe("dns_provider_error");
      expect(error.message).toBe(
        "Cloudflare hosts no DNS zone for _acme-challenge.example.com that these credentials can see (looked for _acme-challenge.example.com, example.com) (the API token needs Zone:Read and DNS:Edit on the zone)",
      );
    });

    it("reports a rejected token with the status and Cloudflare's message", async () => {
      const fake = createCloudflareFake({ apiToken: TOKEN, zones: ["example.com"] });
      const wrong = "cf-token-WRONG-0123456789abcdefghijklmnop";
      const error = await expectAppError(createCloudflareProvider({ apiToken: wrong }, { fetch: fake.fetch }).present(FQDN, VALUE));
      expect(error.message).toBe("Cloudflare rejected the API token (HTTP 403): Invalid access token (code 9109)");
      expect(error.code).toBe("dns_provider_error");
      expect(error.status).toBe(502);
    });

    it("treats Cloudflare's 400 auth codes as a rejected token", async () => {
      const fake = createCloudflareFake({ apiToken: TOKEN, zones: ["example.com"] });
      const dropAuth: typeof fetch = async (input, init) => {
        const request = new Request(input, init);
        const headers = new Headers(request.headers);
        headers.delete("authorization");
        return fake.fetch(new Request(request, { headers }));
      };
      const error = await expectAppError(createCloudflareProvider({ apiToken: TOKEN }, { fetch: dropAuth }).present(FQDN, VALUE));
      expect(error.message).toMatch(/^Cloudflare rejected the API token \(HTTP 400\): Invalid request headers \(code 6003\)/);
    });

    it("never repeats a token the provider echoes back", async () => {
      const echo: typeof fetch = async (_input, init) =>
        Response.json(
          { success: false, errors: [{ code: 1003, message: `Token ${new Headers(init?.headers).get("authorization")} is malformed` }], result: null },
          { status: 400 },
        );
      const error = await expectAppError(createCloudflareProvider({ apiToken: TOKEN }, { fetch: echo }).present(FQDN, VALUE));
      expect(error.message).toBe("Cloudflare failed to look up zone _acme-challenge.example.com (HTTP 400): Token Bearer [redacted] is malformed (code 1003)");
    });

    it("times out a call that never answers", async () => {
      const hang: typeof fetch = (_input, init) =>
        new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)));
      const error = await expectAppError(createCloudflareProvider({ apiToken: TOKEN }, { fetch: hang, timeoutMs: 50 }).present(FQDN, VALUE));
      expect(error.code).toBe("dns_provider_error");
      expect(error.message).toBe("Cloudflare API did not answer within 50 ms");
    });

    it("reports a network failure without its details", async () => {
      const down: typeof fetch = async () => {
        throw new TypeError(`connect ECONNREFUSED (token ${TOKEN})`);
      };
      const error = await expectAppError(createCloudflareProvider({ apiToken: TOKEN }, { fetch: down }).present(FQDN, VALUE));
      expect(error.message).toBe("Could not reach the Cloudflare API");
      expect(error.cause).toBeUndefined();
    });

    it("reports a 5xx HTML page, and a 429 with Retry-After once it has waited that out a few times", async () => {
      const html: typeof fetch = async () => new Response("<html>Bad gateway</html>", { status: 502 });
      const error = await expectAppError(createCloudflareProvider({ apiToken: TOKEN }, { fetch: html }).present(FQDN, VALUE));
      expect(error.message).toBe("Cloudflare failed to look up zone _acme-challenge.example.com (HTTP 502)");

      const limited: typeof fetch = async () =>
        Response.json({ success: false, errors: [{ code: 971, message: "Please wait and consider throttling your request speed" }], result: null }, { status: 429, headers: { "retry-after": "30" } });
      const clock = virtualClock();
      const throttled = await expectAppError(createCloudflareProvider({ apiToken: TOKEN }, { fetch: limited, now: clock.now, sleep: clock.sleep }).cleanUp(FQDN, VALUE));
      expect(throttled.message).toMatch(/^Cloudflare rate-limited the request to look up zone .+ \(HTTP 429\)/);
      expect(throttled.retryAfter).toBe(30);
      expect(clock.sleeps).toEqual([30_000, 30_000, 30_000, 30_000]);
    });

    it("reports a 2xx body that is not JSON", async () => {
      const garbage: typeof fetch = async () => new Response("not json", { status: 200 });
      const error = await expectAppError(createCloudflareProvider({ apiToken: TOKEN }, { fetch: garbage }).present(FQDN, VALUE));
      expect(error.message).toBe("Cloudflare returned an unreadable response to look up zone _acme-challenge.example.com (HTTP 200)");
    });
  });
});
