/**
 * Route 53 specifics: SigV4 for route53/us-east-1, whole-set UPSERT/DELETE, listing order, hosted zone ID, the
 * InvalidChangeBatch root, PriorRequestNotComplete, and waiting for changes to be INSYNC.
 */
import { describe, expect, it } from "vitest";
import { createAwsProvider } from "../../../src/dns/aws";
import { createRoute53Fake } from "../../support/dns-fakes/aws";
import { expectAppError } from "./expect-failure";
import { virtualClock } from "./virtual-clock";

const KEY = { accessKeyId: "AKIAFAKE0123456789AB", secretAccessKey: "fakeSecretKey/0123456789abcdefghijklmnopqrs" };
const ZONES = [{ id: "Z1EXAMPLECOM", name: "example.com" }];
const FQDN = "_acme-challenge.www.example.com";

function capture(fake: { fetch: typeof fetch }) {
  const seen: { url: string; headers: Headers }[] = [];
  const spy: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    seen.push({ url: request.url, headers: new Headers(request.headers) });
    return fake.fetch(request);
  };
  return { seen, fetch: spy };
}

describe("AWS Route 53 provider", () => {
  describe("happy path", () => {
    it("signs every call with SigV4 scoped to us-east-1/route53, whatever region is configured", async () => {
      const fake = createRoute53Fake({ ...KEY, zones: ZONES });
      const { seen, fetch } = capture(fake);
      await createAwsProvider({ ...KEY, region: "ap-southeast-2" }, { fetch }).present(FQDN, "v1");
      expect(seen.length).toBeGreaterThan(0);
      for (const request of seen) {
        expect(new URL(request.url).origin).toBe("https://route53.amazonaws.com");
        expect(request.headers.get("authorization")).toMatch(
          /^AWS4-HMAC-SHA256 Credential=AKIAFAKE0123456789AB\/\d{8}\/us-east-1\/route53\/aws4_request, SignedHeaders=host;x-amz-date, Signature=[0-9a-f]{64}$/,
        );
        expect(request.headers.get("x-amz-date")).toMatch(/^\d{8}T\d{6}Z$/);
      }
      expect(fake.lastScope()).toMatch(/^\d{8}\/us-east-1\/route53\/aws4_request$/);
    });

    it("sends the session token of temporary credentials, signed", async () => {
      const fake = createRoute53Fake({ ...KEY, sessionToken: "FwoGZXIvYXdzEJr-session", zones: ZONES });
      await createAwsProvider({ ...KEY, sessionToken: "FwoGZXIvYXdzEJr-session" }, { fetch: fake.fetch }).present(FQDN, "v1");
      expect(fake.txt(FQDN)).toEqual(["v1"]);
      const error = await expectAppError(createAwsProvider(KEY, { fetch: fake.fetch }).present(FQDN, "v2"));
      expect(error.message).toMatch(/^AWS Route 53 rejected the access key \(HTTP 403\): InvalidClientTokenId/);
    });

    it("upserts the whole set with quoted values and keeps the set's TTL", async () => {
      const fake = createRoute53Fake({ ...KEY, zones: ZONES });
      fake.seed(FQDN, "existing");
      const provider = createAwsProvider(KEY, { fetch: fake.fetch });
      await provider.present(FQDN, "mine");
      expect(fake.set(FQDN)).toEqual({ ttl: 300, values: ['"existing"', '"mine"'] });
      await provider.cleanUp(FQDN, "existing");
      expect(fake.set(FQDN)).toEqual({ ttl: 300, values: ['"mine"'] });
      await provider.cleanUp(FQDN, "mine");
      expect(fake.set(FQDN)).toBeUndefined();
    });

    it("does not mistake the next set in the listing for the one asked about", async () => {
      const fake = createRoute53Fake({ ...KEY, zones: ZONES });
      fake.seed("_acme-challenge.zzz.example.com", "neighbour");
      const provider = createAwsProvider(KEY, { fetch: fake.fetch });
      await provider.cleanUp(FQDN, "neighbour");
      await provider.present(FQDN, "mine");
      expect(fake.txt(FQDN)).toEqual(["mine"]);
      expect(fake.txt("_acme-challenge.zzz.example.com")).toEqual(["neighbour"]);
    });

    it("skips zone discovery when a hosted zone ID is configured", async () => {
      const fake = createRoute53Fake({ ...KEY, zones: ZONES });
      await createAwsProvider({ ...KEY, hostedZoneId: "/hostedzone/Z1EXAMPLECOM" }, { fetch: fake.fetch }).present(FQDN, "v1");
      expect(fake.requests.some((r) => r.includes("hostedzonesbyname"))).toBe(false);
      expect(fake.txt(FQDN)).toEqual(["v1"]);
    });
  });

  describe("a set that changes between read and DELETE (InvalidChangeBatch)", () => {
    /** Runs `meanwhile` just before the provider's DELETE reaches the fake. */
    function beforeDelete(fake: { fetch: typeof fetch }, meanwhile: () => Promise<void>): typeof fetch {
      let done = false;
      return async (input, init) => {
        const request = new Request(input, init);
        if (!done && request.method === "POST" && (await request.clone().text()).includes("<Action>DELETE</Action>")) {
          done = true;
          await meanwhile();
        }
        return fake.fetch(request);
      };
    }

    it("is fine when someone else deleted the set meanwhile", async () => {
      const fake = createRoute53Fake({ ...KEY, zones: ZONES });
      fake.seed(FQDN, "mine");
      const other = createAwsProvider(KEY, { fetch: fake.fetch });
      const fetch = beforeDelete(fake, () => other.cleanUp(FQDN, "mine"));
      await createAwsProvider(KEY, { fetch }).cleanUp(FQDN, "mine");
      expect(fake.set(FQDN)).toBeUndefined();
    });

    it("reads again and keeps a value someone added meanwhile", async () => {
      const fake = createRoute53Fake({ ...KEY, zones: ZONES });
      fake.seed(FQDN, "mine");
      const other = createAwsProvider(KEY, { fetch: fake.fetch });
      const fetch = beforeDelete(fake, () => other.present(FQDN, "theirs"));
      await createAwsProvider(KEY, { fetch }).cleanUp(FQDN, "mine");
      expect(fake.txt(FQDN)).toEqual(["theirs"]);
    });

    it("reads the refusal in the common ErrorResponse form too", async () => {
      const fake = createRoute53Fake({ ...KEY, zones: ZONES, invalidChangeBatchAs: "ErrorResponse" });
      fake.seed(FQDN, "mine");
      const other = createAwsProvider(KEY, { fetch: fake.fetch });
      const fetch = beforeDelete(fake, () => other.cleanUp(FQDN, "mine"));
      await createAwsProvider(KEY, { fetch }).cleanUp(FQDN, "mine");
      expect(fake.set(FQDN)).toBeUndefined();
    });

    it("reads again once, then reports every message of a batch Route 53 keeps refusing", async () => {
      const fake = createRoute53Fake({ ...KEY, zones: ZONES });
      fake.seed(FQDN, "mine");
      let deletes = 0;
      const refusing: typeof fetch = async (input, init) => {
        const request = new Request(input, init);
        if (request.method !== "POST" || !(await request.clone().text()).includes("<Action>DELETE</Action>")) return fake.fetch(request);
        deletes++;
        const body =
          `<?xml version="1.0"?>\n<InvalidChangeBatch xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Messages>` +
          `<Message>Tried to delete resource record set [name='${FQDN}.', type='TXT'] but the values provided do not match the current values</Message>` +
          `<Message>second &amp; last</Message></Messages><RequestId>r-1</RequestId></InvalidChangeBatch>`;
        return new Response(body, { status: 400, headers: { "content-type": "text/xml" } });
      };
      const error = await expectAppError(createAwsProvider(KEY, { fetch: refusing }).cleanUp(FQDN, "mine"));
      expect(deletes).toBe(2);
      expect(error.message).toBe(
        `AWS Route 53 failed to delete the TXT record at ${FQDN} (HTTP 400): InvalidChangeBatch: Tried to delete resource record set [name='${FQDN}.', type='TXT'] but the values provided do not match the current values; second & last`,
      );
    });
  });

  describe("throttling (HTTP 400, not 429)", () => {
    it("sends a change again after PriorRequestNotComplete, backing off", async () => {
      const fake = createRoute53Fake({ ...KEY, zones: ZONES });
      const clock = virtualClock();
      fake.priorRequestNotComplete(2);
      await createAwsProvider(KEY, { fetch: fake.fetch, now: clock.now, sleep: clock.sleep }).present(FQDN, "v1");
      expect(fake.txt(FQDN)).toEqual(["v1"]);
      expect(clock.sleeps).toEqual([1_000, 2_000]);
      expect(fake.requests.filter((r) => r.startsWith("POST "))).toHaveLength(3);
    });

    it("says Route 53 rate-limited the call when Throttling outlasts the retries", async () => {
      const fake = createRoute53Fake({ ...KEY, zones: ZONES });
      const clock = virtualClock();
      fake.throttle(100);
      const provider = createAwsProvider({ ...KEY, hostedZoneId: "Z1EXAMPLECOM" }, { fetch: fake.fetch, now: clock.now, sleep: clock.sleep });
      const error = await expectAppError(provider.present(FQDN, "v1"));
      expect(error.message).toBe(`AWS Route 53 rate-limited the request to read the TXT records at ${FQDN} (HTTP 400): Throttling: Rate exceeded`);
      // No 4xx `status` in the detail: that would read as the caller's bad credentials (src/issuance/preflight.ts).
      expect(error.detail).toEqual({ provider: "AWS Route 53", rateLimited: true });
      expect(error.retryable).toBe(true);
    });
  });

  describe("settle: GetChange until INSYNC", () => {
    it("polls each change it made until Route 53 reports it INSYNC", async () => {
      const clock = virtualClock();
      const fake = createRoute53Fake({ ...KEY, zones: ZONES, now: clock.now, syncAfterMs: 5_000 });
      const provider = createAwsProvider(KEY, { fetch: fake.fetch, now: clock.now, sleep: clock.sleep });
      await provider.present(FQDN, "a");
      await provider.present(FQDN, "b");
      expect(fake.changeStatus("C1FAKE")).toBe("PENDING");
      await provider.settle!(clock.now() + 120_000);
      expect(fake.changeStatus("C1FAKE")).toBe("INSYNC");
      expect(fake.changeStatus("C2FAKE")).toBe("INSYNC");
      expect(clock.sleeps).toEqual([2_000, 2_000, 2_000]);
      const polls = fake.requests.filter((r) => r.startsWith("GET /2013-04-01/change/"));
      expect(new Set(polls)).toEqual(new Set(["GET /2013-04-01/change/C1FAKE", "GET /2013-04-01/change/C2FAKE"]));
      // Done changes are not asked about again.
      await provider.settle!(clock.now() + 120_000);
      expect(fake.requests.filter((r) => r.startsWith("GET /2013-04-01/change/"))).toHaveLength(polls.length);
    });

    it("gives up at the deadline, naming the change still PENDING", async () => {
      const clock = virtualClock();
      const fake = createRoute53Fake({ ...KEY, zones: ZONES, now: clock.now, syncAfterMs: 600_000 });
      const provider = createAwsProvider(KEY, { fetch: fake.fetch, now: clock.now, sleep: clock.sleep });
      await provider.present(FQDN, "a");
      const error = await expectAppError(provider.settle!(clock.now() + 10_000));
      expect(error.code).toBe("dns_provider_error");
      expect(error.message).toBe("AWS Route 53 did not apply change C1FAKE on all of its DNS servers in time (status PENDING, waiting for INSYNC)");
      expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(10_000);
    });
  });

  describe("errors", () => {
    it("passes on Route 53's error code and message", async () => {
      const fake = createRoute53Fake({ ...KEY, zones: ZONES });
      const provider = createAwsProvider({ ...KEY, hostedZoneId: "ZNOSUCHZONE" }, { fetch: fake.fetch });
      const error = await expectAppError(provider.present(FQDN, "v1"));
      expect(error.code).toBe("dns_provider_error");
      expect(error.message).toBe(
        "AWS Route 53 failed to read the TXT records at _acme-challenge.www.example.com (HTTP 404): NoSuchHostedZone: No hosted zone found with ID: ZNOSUCHZONE",
      );
    });

    it("the fake recomputes the signature: a request altered after signing is refused", async () => {
      const fake = createRoute53Fake({ ...KEY, zones: ZONES });
      const tamper: typeof fetch = async (input, init) => {
        const url = new URL(new Request(input, init).url);
        url.searchParams.set("maxitems", "99");
        return fake.fetch(new Request(url, new Request(input, init)));
      };
      const error = await expectAppError(createAwsProvider(KEY, { fetch: tamper }).present(FQDN, "v1"));
      expect(error.message).toMatch(/^AWS Route 53 rejected the access key \(HTTP 403\): SignatureDoesNotMatch: The request signature we calculated/);
      expect(error.message).not.toContain(KEY.secretAccessKey);
    });

    it("the fake refuses a stale signature", async () => {
      const fake = createRoute53Fake({ ...KEY, zones: ZONES, now: () => Date.now() + 10 * 60_000 });
      const error = await expectAppError(createAwsProvider(KEY, { fetch: fake.fetch }).present(FQDN, "v1"));
      expect(error.message).toBe("AWS Route 53 rejected the access key (HTTP 403): SignatureDoesNotMatch: Signature expired");
    });
  });
});
