/** The checks before an order: CAA against the CA's caaIdentities, and the DNS-01 credentials finding their zones. */
import { describe, expect, it, vi } from "vitest";
import type { AcmeDirectory } from "../../../src/acme";
import { AppError } from "../../../src/core/errors";
import { parseDnsCredentials } from "../../../src/dns/credentials";
import { createDnsProvider } from "../../../src/dns/factory";
import type { DnsProvider } from "../../../src/dns/provider";
import { dnsProviders } from "../../../src/dns/registry";
import { isPermanentAcmeFailure } from "../../../src/issuance/acme-errors";
import { preflightOrder, type PreflightInput } from "../../../src/issuance/preflight";
import { providerSetups } from "../../support/dns-fakes/setups";
import { expectAppError } from "../dns/expect-failure";

const RESOLVER = "https://cloudflare-dns.com/dns-query";

function directory(caaIdentities?: string[]): AcmeDirectory {
  return {
    newNonce: "https://ca.example/nonce",
    newAccount: "https://ca.example/account",
    newOrder: "https://ca.example/order",
    revokeCert: "https://ca.example/revoke",
    ...(caaIdentities ? { meta: { caaIdentities } } : {}),
  };
}

/** A DoH JSON resolver with CAA `data` per name; `fail` answers HTTP 503 for every query. */
function caaResolver(zone: Record<string, string[]>, fail = false) {
  const requests: string[] = [];
  const fetchFake: typeof fetch = async (input) => {
    const name = new URL(String(input)).searchParams.get("name") ?? "";
    requests.push(name);
    if (fail) return new Response("unavailable", { status: 503 });
    const answer = (zone[name] ?? []).map((data) => ({ name: `${name}.`, type: 257, TTL: 300, data }));
    return Response.json({ Status: 0, ...(answer.length ? { Answer: answer } : {}) });
  };
  return { fetch: fetchFake, requests };
}

function input(overrides: Partial<PreflightInput>): PreflightInput {
  return { names: ["www.example.com"], directory: directory(["letsencrypt.org"]), resolverUrl: RESOLVER, dnsProvider: null, log: () => {}, ...overrides };
}

describe("preflight: CAA", () => {
  it("refuses with a 400 naming the record and the CA when CAA authorizes another CA, and it is not retryable", async () => {
    const doh = caaResolver({ "example.com": ['0 issue "ca.example"'] });
    const error = await expectAppError(preflightOrder(input({ fetch: doh.fetch })));
    expect(error).toMatchObject({ code: "bad_request", status: 400, retryable: false });
    expect(error.message).toBe(
      'CAA forbids this certificate, so no order was placed: The CAA record at example.com (0 issue "ca.example") authorizes only ca.example to issue for www.example.com, not this CA (letsencrypt.org) (RFC 8659 §4.2)',
    );
    // A renewal refused here stops instead of backing off (renewal-record.ts).
    expect(isPermanentAcmeFailure(error)).toBe(true);
  });

  it("passes when CAA names the CA, and when there is none", async () => {
    const doh = caaResolver({ "example.com": ['0 issue "letsencrypt.org; validationmethods=dns-01"'] });
    await preflightOrder(input({ names: ["www.example.com", "example.net"], fetch: doh.fetch }));
    expect(doh.requests).toEqual(["www.example.com", "example.com", "example.net"]);
  });

  it("gives every name's refusal, wildcards judged by issuewild", async () => {
    const doh = caaResolver({ "example.com": ['0 issue "letsencrypt.org"', '0 issuewild ";"'], "example.org": ['0 issue ";"'] });
    const error = await expectAppError(preflightOrder(input({ names: ["example.com", "*.example.com", "example.org"], fetch: doh.fetch })));
    expect(error.message).toContain('The CAA record at example.com (0 issuewild ";") forbids every CA from issuing for *.example.com');
    expect(error.message).toContain('The CAA record at example.org (0 issue ";") forbids every CA from issuing for example.org');
    expect(error.message).not.toContain("for example.com ");
  });

  it("without caaIdentities in the directory: another CA passes (cannot know), an empty issuer still refuses", async () => {
    const other = caaResolver({ "example.com": ['0 issue "ca.example"'] });
    await preflightOrder(input({ directory: directory(), fetch: other.fetch }));
    const none = caaResolver({ "example.com": ['0 issue ";"'] });
    const error = await expectAppError(preflightOrder(input({ directory: directory(), fetch: none.fetch })));
    expect(error.message).toMatch(/\(0 issue ";"\) forbids every CA from issuing for www\.example\.com/);
  });

  it("refuses a critical property it does not understand", async () => {
    const doh = caaResolver({ "example.com": ['128 tbs "Unknown"', '0 issue "letsencrypt.org"'] });
    const error = await expectAppError(preflightOrder(input({ fetch: doh.fetch })));
    expect(error.message).toMatch(/128 tbs "Unknown"\) marks the unknown property "tbs" critical/);
  });

  it("does not block when the lookup fails: it logs and leaves CAA to the CA", async () => {
    const doh = caaResolver({ "example.com": ['0 issue ";"'] }, true);
    const log = vi.fn();
    await preflightOrder(input({ fetch: doh.fetch, log }));
    expect(log).toHaveBeenCalledWith("CAA preflight for www.example.com: lookup failed (resolver answered HTTP 503); leaving CAA to the CA");
  });

  it("skips CAA when no resolver is configured", async () => {
    const doh = caaResolver({ "example.com": ['0 issue ";"'] });
    await preflightOrder(input({ resolverUrl: null, fetch: doh.fetch }));
    expect(doh.requests).toEqual([]);
  });

  it("refuses on CAA before asking the DNS provider anything", async () => {
    const doh = caaResolver({ "example.com": ['0 issue ";"'] });
    const check = vi.fn(async () => {});
    const provider: DnsProvider = { name: "spy", present: async () => {}, cleanUp: async () => {}, check };
    await expectAppError(preflightOrder(input({ fetch: doh.fetch, dnsProvider: provider })));
    expect(check).not.toHaveBeenCalled();
  });
});

describe("preflight: DNS-01 credentials", () => {
  it("checks each challenge record name once (a wildcard and its apex share one)", async () => {
    const check = vi.fn(async () => {});
    const provider: DnsProvider = { name: "spy", present: async () => {}, cleanUp: async () => {}, check };
    await preflightOrder(input({ resolverUrl: null, names: ["example.com", "*.example.com", "www.example.com"], dnsProvider: provider }));
    expect(check.mock.calls).toEqual([["_acme-challenge.example.com"], ["_acme-challenge.www.example.com"]]);
  });

  it("passes over a provider without check", async () => {
    const provider: DnsProvider = { name: "plain", present: async () => {}, cleanUp: async () => {} };
    await preflightOrder(input({ resolverUrl: null, dnsProvider: provider }));
  });

  describe.each(dnsProviders)("$name", ({ name, label }) => {
    async function setup(overrides: { fetch?: typeof fetch; rejected?: boolean; extra?: Record<string, unknown> } = {}) {
      const { fake, credentials, rejectedCredentials, secrets } = await providerSetups[name]();
      const submitted = { ...(overrides.rejected ? rejectedCredentials : credentials), ...overrides.extra };
      const provider = createDnsProvider(name, parseDnsCredentials(name, submitted), { fetch: overrides.fetch ?? fake.fetch, sleep: async () => {} });
      return { fake, provider, secrets };
    }
    const run = (provider: DnsProvider, names = ["www.example.com"]) => preflightOrder(input({ resolverUrl: null, names, dnsProvider: provider }));

    it("passes with credentials that see the zone, changing nothing", async () => {
      const { fake, provider } = await setup();
      await run(provider, ["www.example.com", "a.team.example.net"]);
      // Reads only (Google's token exchange aside).
      expect(fake.requests.filter((r) => !r.startsWith("GET ") && !r.includes("/token"))).toEqual([]);
      expect(fake.txt("_acme-challenge.www.example.com")).toEqual([]);
    });

    it("a rejected credential: 400 on dnsCredentials in the provider's words, no secret, not retryable", async () => {
      const { provider, secrets } = await setup({ rejected: true });
      const error = await expectAppError(run(provider));
      expect(error).toMatchObject({ code: "validation_failed", status: 400, param: "dnsCredentials", retryable: false });
      expect(error.message.startsWith(`${label} rejected the `)).toBe(true);
      expect(error.message).toMatch(/\(checked before ordering: no order was placed\)$/);
      for (const secret of secrets) expect(error.message).not.toContain(secret);
    });

    it("a name in no zone the credentials see: 400 naming the name", async () => {
      const { provider } = await setup();
      const error = await expectAppError(run(provider, ["www.unknown-zone.org"]));
      expect(error).toMatchObject({ code: "validation_failed", status: 400, param: "dnsCredentials" });
      expect(error.message).toMatch(new RegExp(`^${label} hosts no DNS zone for _acme-challenge\\.www\\.unknown-zone\\.org`));
    });

    it("a provider outage stays the provider's 502", async () => {
      const down: typeof fetch = async () => {
        throw new TypeError("network connection lost");
      };
      const { provider } = await setup({ fetch: down });
      const error = await expectAppError(run(provider));
      expect(error).toMatchObject({ code: "dns_provider_error", status: 502 });
    });

    it("a provider answering 500 stays the provider's 502", async () => {
      const failing: typeof fetch = async () => new Response(JSON.stringify({ message: "internal" }), { status: 500, headers: { "content-type": "application/json" } });
      const { provider } = await setup({ fetch: failing });
      const error = await expectAppError(run(provider));
      expect(error.code).toBe("dns_provider_error");
      expect(error.status).toBe(502);
    });
  });

  it.each([
    ["aws", { hostedZoneId: "Z1EXAMPLECOM" }],
    ["google", { managedZone: "example-com" }],
  ] as const)("%s with its zone given: the credentials are still proven by a call", async (name, extra) => {
    const { fake, rejectedCredentials } = await providerSetups[name]();
    const provider = createDnsProvider(name, parseDnsCredentials(name, { ...rejectedCredentials, ...extra }), { fetch: fake.fetch, sleep: async () => {} });
    const error = await expectAppError(preflightOrder(input({ resolverUrl: null, dnsProvider: provider })));
    expect(error).toMatchObject({ code: "validation_failed", status: 400, param: "dnsCredentials" });
  });

  it("leaves errors that are not the provider's alone", async () => {
    const boom = new Error("bug");
    const provider: DnsProvider = { name: "spy", present: async () => {}, cleanUp: async () => {}, check: async () => {
        throw boom;
      },
    };
    await expect(preflightOrder(input({ resolverUrl: null, dnsProvider: provider }))).rejects.toBe(boom);
    const unrelated = new AppError("internal", "x");
    const other: DnsProvider = {
      ...provider,
      check: async () => {
        throw unrelated;
      },
    };
    await expect(preflightOrder(input({ resolverUrl: null, dnsProvider: other }))).rejects.toBe(unrelated);
  });
});
