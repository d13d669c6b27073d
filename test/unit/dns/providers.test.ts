/** The DnsProvider contract, run against every registered provider's fake API, each built through the registry. */
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import { parseDnsCredentials } from "../../../src/dns/credentials";
import { createDnsProvider } from "../../../src/dns/factory";
import { challengeRecordName } from "../../../src/dns/propagation";
import { dnsProviders } from "../../../src/dns/registry";
import { FAKE_ZONES, providerSetups } from "../../support/dns-fakes/setups";
import { expectAppError } from "./expect-failure";

const VALUE_A = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
const VALUE_B = "LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo";

describe.each(dnsProviders)("$name provider", (entry) => {
  const { name, label } = entry;

  /** The fake and two providers built the way issuance builds them: parsed credentials, then the registry's constructor. */
  async function setup() {
    const { fake, credentials, rejectedCredentials, secrets } = await providerSetups[name]();
    const build = (input: unknown) => createDnsProvider(name, parseDnsCredentials(name, input), { fetch: fake.fetch });
    return { fake, provider: build(credentials), rejected: build(rejectedCredentials), credentials, secrets };
  }

  describe("registry entry", () => {
    it("builds a provider that carries the entry's name", async () => {
      const { provider } = await setup();
      expect(provider.name).toBe(name);
      expect(label).not.toBe("");
    });

    it("refuses an unknown credentials field, naming the fields its schema expects", async () => {
      const { credentials } = await setup();
      const error = expectThrownAppError(() => parseDnsCredentials(name, { ...credentials, bogus: "x" }));
      expect(error.code).toBe("validation_failed");
      expect(error.message).toBe(
        `dnsCredentials.bogus: Unknown field for ${name} credentials (expected ${Object.keys(entry.credentials.shape).join(", ")})`,
      );
    });
  });

  describe("happy path", () => {
    it("presents a TXT value and cleans it up", async () => {
      const { fake, provider } = await setup();
      expect(provider.name).toBe(name);
      const fqdn = challengeRecordName("www.example.com");
      await provider.present(fqdn, VALUE_A);
      expect(fake.txt(fqdn)).toEqual([VALUE_A]);
      await provider.cleanUp(fqdn, VALUE_A);
      expect(fake.txt(fqdn)).toEqual([]);
    });

    it("adds beside a value that is already there and removes only its own", async () => {
      const { fake, provider } = await setup();
      const fqdn = "_acme-challenge.example.com";
      fake.seed(fqdn, "someone-elses-value");
      await provider.present(fqdn, VALUE_A);
      expect(fake.txt(fqdn).sort()).toEqual(["someone-elses-value", VALUE_A].sort());
      await provider.cleanUp(fqdn, VALUE_A);
      expect(fake.txt(fqdn)).toEqual(["someone-elses-value"]);
    });

    it("keeps both values for a wildcard and its apex at the shared name", async () => {
      const { fake, provider } = await setup();
      const fqdn = challengeRecordName("*.example.com");
      expect(fqdn).toBe(challengeRecordName("example.com"));
      await provider.present(fqdn, VALUE_A);
      await provider.present(fqdn, VALUE_B);
      expect(fake.txt(fqdn).sort()).toEqual([VALUE_A, VALUE_B].sort());
      await provider.cleanUp(fqdn, VALUE_B);
      expect(fake.txt(fqdn)).toEqual([VALUE_A]);
      await provider.cleanUp(fqdn, VALUE_A);
      expect(fake.txt(fqdn)).toEqual([]);
    });

    it("presents both values when asked concurrently", async () => {
      const { fake, provider } = await setup();
      const fqdn = "_acme-challenge.example.com";
      await Promise.all([provider.present(fqdn, VALUE_A), provider.present(fqdn, VALUE_B)]);
      expect(fake.txt(fqdn).sort()).toEqual([VALUE_A, VALUE_B].sort());
    });

    it("does not duplicate a value presented twice", async () => {
      const { fake, provider } = await setup();
      const fqdn = "_acme-challenge.example.com";
      await provider.present(fqdn, VALUE_A);
      await provider.present(fqdn, VALUE_A);
      expect(fake.txt(fqdn)).toEqual([VALUE_A]);
    });

    it("cleans up idempotently: an absent value or name is fine", async () => {
      const { fake, provider } = await setup();
      const fqdn = "_acme-challenge.example.com";
      await provider.cleanUp(fqdn, VALUE_A);
      fake.seed(fqdn, VALUE_B);
      await provider.cleanUp(fqdn, VALUE_A);
      expect(fake.txt(fqdn)).toEqual([VALUE_B]);
      await provider.cleanUp(fqdn, VALUE_B);
      await provider.cleanUp(fqdn, VALUE_B);
      expect(fake.txt(fqdn)).toEqual([]);
    });

    it("finds the most specific zone for a deep subdomain", async () => {
      const { fake, provider } = await setup();
      // team.example.net is its own zone beside example.net; a.b.example.com lives in example.com.
      const deep = challengeRecordName("a.b.example.com");
      const delegated = challengeRecordName("www.team.example.net");
      await provider.present(deep, VALUE_A);
      await provider.present(`${delegated}.`, VALUE_B);
      expect(fake.txt(deep)).toEqual([VALUE_A]);
      expect(fake.txt(delegated)).toEqual([VALUE_B]);
    });
  });

  describe("errors", () => {
    it("reports a name in no zone it hosts", async () => {
      const { provider } = await setup();
      const error = await expectAppError(provider.present("_acme-challenge.www.unknown-zone.org", VALUE_A));
      expect(error.code).toBe("dns_provider_error");
      expect(error.status).toBe(502);
      expect(error.message).toMatch(/no DNS zone for _acme-challenge\.www\.unknown-zone\.org/);
      expect(error.message.startsWith(`${label} hosts no DNS zone`)).toBe(true);
      expect(error.message).toContain("unknown-zone.org");
    });

    it("rejects a name that is not a DNS name", async () => {
      const { provider } = await setup();
      const error = await expectAppError(provider.present("not a name", VALUE_A));
      expect(error.code).toBe("bad_request");
    });
  });

  describe("zone listing (the probe of a saved DNS connection)", () => {
    it("lists the public zones the credentials see, each once, without the trailing dot", async () => {
      const { provider } = await setup();
      const zones = await provider.listZones!();
      expect(zones).toEqual(expect.arrayContaining(FAKE_ZONES));
      expect(zones.every((zone) => [...FAKE_ZONES, "example.net"].includes(zone))).toBe(true);
      // A private zone of the same name (Route 53, Cloud DNS) is not listed beside the public one.
      expect(new Set(zones).size).toBe(zones.length);
    });
  });

  describe("auth", () => {
    it("turns a rejected credential into dns_provider_error without the secret", async () => {
      const { rejected, secrets } = await setup();
      const attempts = [
        () => rejected.present("_acme-challenge.example.com", VALUE_A),
        () => rejected.cleanUp("_acme-challenge.example.com", VALUE_A),
        () => rejected.listZones!(),
      ];
      for (const attempt of attempts) {
        const error = await expectAppError(attempt());
        expect(error.code).toBe("dns_provider_error");
        expect(error.status).toBe(502);
        expect(error.message).toMatch(/rejected the .+ \(HTTP 40\d\)/);
        expect(error.message.startsWith(`${label} rejected the `)).toBe(true);
        const rendered = JSON.stringify({ message: error.message, detail: error.detail, param: error.param });
        for (const secret of secrets) expect(rendered).not.toContain(secret);
      }
    });
  });
});

function expectThrownAppError(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected an AppError");
}
