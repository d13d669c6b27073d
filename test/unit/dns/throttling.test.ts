/**
 * Throttling, against every provider's fake answering as its documentation says: Route 53 HTTP 400 `Throttling`,
 * HTTP 429 elsewhere (with Retry-After, or GoDaddy's retryAfterSec). A throttled call is sent again a bounded number of
 * times, waiting what the provider asks or else backing off, then reported as rate limiting.
 */
import { describe, expect, it } from "vitest";
import { parseDnsCredentials } from "../../../src/dns/credentials";
import { createDnsProvider } from "../../../src/dns/factory";
import { dnsProviders, type DnsProviderName } from "../../../src/dns/registry";
import { retryAfterMs } from "../../../src/dns/throttle";
import { providerSetups } from "../../support/dns-fakes/setups";
import { expectAppError } from "./expect-failure";
import { virtualClock } from "./virtual-clock";

const FQDN = "_acme-challenge.www.example.com";
/** Providers whose throttled answer says how long to wait; the others get the backoff schedule. */
const SAYS_HOW_LONG: ReadonlySet<DnsProviderName> = new Set(["cloudflare", "digitalocean", "godaddy"]);
const BACKOFF = [1_000, 2_000, 4_000, 8_000];

describe.each(dnsProviders)("$name under throttling", ({ name, label }) => {
  async function setup() {
    const { fake, credentials } = await providerSetups[name]();
    const clock = virtualClock();
    const provider = createDnsProvider(name, parseDnsCredentials(name, credentials), { fetch: fake.fetch, now: clock.now, sleep: clock.sleep });
    /** Requests to the DNS API (Google's token endpoint is not throttled here). */
    const apiRequests = () => fake.requests.filter((r) => r !== "POST /token");
    return { fake, clock, provider, apiRequests };
  }

  it("sends a throttled call again, waiting what the provider asks or backing off, and succeeds", async () => {
    const { fake, clock, provider } = await setup();
    fake.throttle(2, 3);
    await provider.present(FQDN, "v1");
    expect(fake.txt(FQDN)).toEqual(["v1"]);
    expect(clock.sleeps).toEqual(SAYS_HOW_LONG.has(name) ? [3_000, 3_000] : [1_000, 2_000]);
  });

  it("gives up after the bounded retries and reports rate limiting, not a failure of the request", async () => {
    const { fake, clock, provider, apiRequests } = await setup();
    fake.throttle(100, 3);
    const error = await expectAppError(provider.present(FQDN, "v1"));
    expect(error.code).toBe("dns_provider_error");
    expect(error.message).toMatch(new RegExp(`^${label} rate-limited the request to look up .+ \\(HTTP ${name === "aws" ? 400 : 429}\\)`));
    expect(apiRequests()).toHaveLength(1 + BACKOFF.length);
    expect(clock.sleeps).toEqual(SAYS_HOW_LONG.has(name) ? BACKOFF.map(() => 3_000) : BACKOFF);
    expect(fake.txt(FQDN)).toEqual([]);
  });
});

describe.each(dnsProviders.filter((entry) => SAYS_HOW_LONG.has(entry.name)))("$name asking for a long wait", ({ name }) => {
  it("is not waited for past what an issuance can wait, and its Retry-After is passed on", async () => {
    const { fake, credentials } = await providerSetups[name]();
    const clock = virtualClock();
    const provider = createDnsProvider(name, parseDnsCredentials(name, credentials), { fetch: fake.fetch, now: clock.now, sleep: clock.sleep });
    fake.throttle(1, 600);
    const error = await expectAppError(provider.present(FQDN, "v1"));
    expect(error.message).toMatch(/rate-limited/);
    expect(error.retryAfter).toBe(600);
    expect(clock.sleeps).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });
});

describe("retryAfterMs (RFC 9110 §10.2.3)", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it("reads delay-seconds and an HTTP-date, and nothing else", () => {
    expect(retryAfterMs(new Headers({ "retry-after": "30" }), now)).toBe(30_000);
    expect(retryAfterMs(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:10 GMT" }), now)).toBe(10_000);
    expect(retryAfterMs(new Headers({ "retry-after": "Wed, 31 Dec 2025 23:00:00 GMT" }), now)).toBe(0);
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
  });
});
