/** Server-side request forgery: every DNS provider calls only its own API origins, whatever the credentials say. */
import { describe, expect, it } from "vitest";
import { parseDnsCredentials } from "../../../src/dns/credentials";
import { createDnsProvider } from "../../../src/dns/factory";
import { createProviderClient, providerRequest } from "../../../src/outbound/provider-http";
import { dnsProviders, type DnsProviderName } from "../../../src/dns/registry";
import { providerSetups } from "../../support/dns-fakes/setups";
import { expectAppError } from "./expect-failure";

/** Each provider's documented API origins (its module cites the API reference). */
const API_ORIGINS: Record<DnsProviderName, string[]> = {
  cloudflare: ["https://api.cloudflare.com"],
  aws: ["https://route53.amazonaws.com"],
  digitalocean: ["https://api.digitalocean.com"],
  godaddy: ["https://api.godaddy.com"],
  google: ["https://dns.googleapis.com", "https://oauth2.googleapis.com"],
};
const FQDN = "_acme-challenge.www.example.com";
const OVERRIDE = "http://127.0.0.1:8788";

/** A fetch that records each request's origin and init, then answers with `answer`. */
function recording(answer: typeof fetch) {
  const origins: string[] = [];
  const inits: (RequestInit | undefined)[] = [];
  const spy: typeof fetch = (input, init) => {
    origins.push(new URL(new Request(input, init).url).origin);
    inits.push(init);
    return answer(input, init);
  };
  return { origins, inits, spy };
}

describe.each(dnsProviders)("$name calls only its own API", ({ name }) => {
  it("sends every request, redirects unfollowed, to its documented origins", async () => {
    const { fake, credentials } = await providerSetups[name]();
    const { origins, inits, spy } = recording(fake.fetch);
    const provider = createDnsProvider(name, parseDnsCredentials(name, credentials), { fetch: spy });
    await provider.present(FQDN, "v1");
    await provider.cleanUp(FQDN, "v1");
    expect(origins.length).toBeGreaterThan(0);
    for (const origin of origins) expect(API_ORIGINS[name]).toContain(origin);
    for (const init of inits) expect(init?.redirect).toBe("manual");
  });

  it("sends everything to the operator's base URL override instead, and nowhere else", async () => {
    const { fake, credentials } = await providerSetups[name]();
    // The fakes route by path, except Google's, which tells its token endpoint by origin: map that one back.
    const { origins, spy } = recording((input, init) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      if (name !== "google" || url.pathname !== "/token") return fake.fetch(request);
      return fake.fetch(new Request(`https://oauth2.googleapis.com/token`, request));
    });
    const provider = createDnsProvider(name, parseDnsCredentials(name, credentials), { fetch: spy, baseUrl: `${OVERRIDE}/` });
    await provider.present(FQDN, "v1");
    expect(fake.txt(FQDN)).toEqual(["v1"]);
    expect(new Set(origins)).toEqual(new Set([OVERRIDE]));
  });
});

describe("Google token_uri (the SSRF report)", () => {
  it.each(["https://169.254.169.254/token", "https://metadata.google.internal/computeMetadata/v1/token", "https://oauth2.googleapis.com.evil.test/token", "https://oauth2.googleapis.com/other"])(
    "refuses %s as a 400 naming the field, before any request",
    async (tokenUri) => {
      const { credentials } = await providerSetups.google();
      const input = { ...credentials, credentials: { ...(credentials.credentials as object), token_uri: tokenUri } };
      const error = await expectAppError(Promise.resolve().then(() => parseDnsCredentials("google", input)));
      expect(error.status).toBe(400);
      expect(error.param).toBe("dnsCredentials.credentials.token_uri");
      expect(error.message).toBe("dnsCredentials.credentials.token_uri: Must be Google's token endpoint https://oauth2.googleapis.com/token (or left out)");
      // Stored credentials are parsed again at each renewal: refused there too, and renewal stops instead of retrying.
      expect(error.retryable).toBe(false);
    },
  );

  it("accepts Google's own endpoint however it is spelled, and keeps the canonical one", async () => {
    const { credentials } = await providerSetups.google();
    for (const tokenUri of ["https://oauth2.googleapis.com/token", " https://OAUTH2.googleapis.com:443/token "]) {
      const input = { ...credentials, credentials: { ...(credentials.credentials as object), token_uri: tokenUri } };
      expect(parseDnsCredentials("google", input).credentials.token_uri).toBe("https://oauth2.googleapis.com/token");
    }
  });
});

describe("providerRequest", () => {
  it("refuses a URL outside the client's origins without sending anything", async () => {
    const { origins, spy } = recording(async () => new Response("metadata"));
    const client = createProviderClient("Example DNS", "API token", [], { fetch: spy }, ["https://api.example.test"]);
    for (const url of ["https://169.254.169.254/latest/meta-data/", "http://api.example.test/", "not a url"]) {
      const error = await expectAppError(providerRequest(client, url, { method: "GET" }));
      expect(error.status).toBe(400);
      expect(error.message).toBe("Refused to call Example DNS at a host that is not its API (https://api.example.test)");
    }
    expect(origins).toEqual([]);
  });
});
