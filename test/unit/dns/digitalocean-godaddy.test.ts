/**
 * DigitalOcean and GoDaddy specifics: paging through records, relative names, PUT-replace vs DELETE, GoDaddy's zone
 * discovery through NS records and its API-access restriction.
 */
import { describe, expect, it } from "vitest";
import { createDigitaloceanProvider } from "../../../src/dns/digitalocean";
import { createGodaddyProvider } from "../../../src/dns/godaddy";
import { createDigitaloceanFake } from "../../support/dns-fakes/digitalocean";
import { createGodaddyFake } from "../../support/dns-fakes/godaddy";
import { expectAppError } from "./expect-failure";
import { virtualClock } from "./virtual-clock";

const FQDN = "_acme-challenge.www.example.com";

describe("DigitalOcean provider", () => {
  it("creates records with names relative to the domain and a 30 s TTL", async () => {
    const fake = createDigitaloceanFake({ apiToken: "do-token-0123456789", domains: ["example.com"] });
    const requests: unknown[] = [];
    const spy: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      if (request.method === "POST") requests.push(await request.clone().json());
      return fake.fetch(request);
    };
    await createDigitaloceanProvider({ apiToken: "do-token-0123456789" }, { fetch: spy }).present(FQDN, "v1");
    expect(requests).toEqual([{ type: "TXT", name: "_acme-challenge.www", data: "v1", ttl: 30 }]);
  });

  it("finds its record past the first page of a crowded name", async () => {
    const fake = createDigitaloceanFake({ apiToken: "do-token-0123456789", domains: ["example.com"] });
    for (let i = 0; i < 250; i++) fake.seed(FQDN, `old-${i}`);
    fake.seed(FQDN, "mine");
    await createDigitaloceanProvider({ apiToken: "do-token-0123456789" }, { fetch: fake.fetch }).cleanUp(FQDN, "mine");
    expect(fake.txt(FQDN)).toHaveLength(250);
    expect(fake.txt(FQDN)).not.toContain("mine");
    expect(fake.requests.filter((r) => r.startsWith("GET /v2/domains/example.com/records"))).toHaveLength(2);
  });
});

describe("GoDaddy provider", () => {
  const creds = { apiKey: "gd-key-0123456789", apiSecret: "gd-secret-0123456789" };

  it("PUTs the remaining values and DELETEs the name with the last one", async () => {
    const fake = createGodaddyFake({ ...creds, domains: ["example.com"] });
    const provider = createGodaddyProvider(creds, { fetch: fake.fetch });
    await provider.present(FQDN, "a");
    await provider.present(FQDN, "b");
    await provider.cleanUp(FQDN, "a");
    expect(fake.txt(FQDN)).toEqual(["b"]);
    await provider.cleanUp(FQDN, "b");
    expect(fake.txt(FQDN)).toEqual([]);
    const writes = fake.requests.filter((r) => !r.startsWith("GET"));
    expect(writes).toEqual([
      "PUT /v1/domains/example.com/records/TXT/_acme-challenge.www",
      "PUT /v1/domains/example.com/records/TXT/_acme-challenge.www",
      "PUT /v1/domains/example.com/records/TXT/_acme-challenge.www",
      "DELETE /v1/domains/example.com/records/TXT/_acme-challenge.www",
    ]);
  });

  it("sends sso-key auth and reports GoDaddy's error code", async () => {
    const fake = createGodaddyFake({ ...creds, domains: ["example.com"] });
    const provider = createGodaddyProvider({ ...creds, apiSecret: "nope-nope-nope" }, { fetch: fake.fetch });
    const error = await expectAppError(provider.present(FQDN, "a"));
    expect(error.message).toBe("GoDaddy rejected the API key (HTTP 401): UNABLE_TO_AUTHENTICATE: Unable to authenticate credentials");
  });

  it("finds a zone hosted at GoDaddy but registered elsewhere, by its NS records", async () => {
    const fake = createGodaddyFake({ ...creds, domains: [{ name: "example.com", registeredHere: false }] });
    // The registration endpoint refuses such a zone, as GoDaddy does.
    expect((await fake.fetch("https://api.godaddy.com/v1/domains/example.com", { headers: { authorization: `sso-key ${creds.apiKey}:${creds.apiSecret}` } })).status).toBe(403);
    await createGodaddyProvider(creds, { fetch: fake.fetch }).present(FQDN, "a");
    expect(fake.txt(FQDN)).toEqual(["a"]);
    expect(fake.requests.filter((r) => r.includes("/records/NS"))).toEqual([
      "GET /v1/domains/_acme-challenge.www.example.com/records/NS",
      "GET /v1/domains/www.example.com/records/NS",
      "GET /v1/domains/example.com/records/NS",
    ]);
  });

  it("reports an account GoDaddy keeps out of its API as that, not as a rejected key", async () => {
    const fake = createGodaddyFake({ ...creds, domains: ["example.com"], apiAccess: false });
    const error = await expectAppError(createGodaddyProvider(creds, { fetch: fake.fetch }).present(FQDN, "a"));
    expect(error.code).toBe("dns_provider_error");
    expect(error.message).not.toMatch(/rejected the API key/);
    expect(error.message).toBe(
      "GoDaddy accepted the API key but denied this account access to its DNS API, so it could not look up zone _acme-challenge.www.example.com " +
        "(HTTP 403: ACCESS_DENIED: Authenticated user is not allowed access). GoDaddy opens its Domains and DNS APIs only to accounts with 10 or " +
        "more domains or a Discount Domain Club plan (https://developer.godaddy.com/getstarted#apiaccess); such an account needs another DNS host for DNS-01",
    );
    expect(error.detail).toEqual({ provider: "GoDaddy", status: 403 });
    // Account-wide: the walk up the names stops at the first answer.
    expect(fake.requests).toHaveLength(1);
  });

  it("waits the retryAfterSec GoDaddy's 429 body asks for", async () => {
    const fake = createGodaddyFake({ ...creds, domains: ["example.com"] });
    const clock = virtualClock();
    fake.throttle(1, 7);
    await createGodaddyProvider(creds, { fetch: fake.fetch, now: clock.now, sleep: clock.sleep }).present(FQDN, "a");
    expect(clock.sleeps).toEqual([7_000]);
    expect(fake.txt(FQDN)).toEqual(["a"]);
  });
});
