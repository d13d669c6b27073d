/**
 * One setup per DNS provider: its fake API (zones example.com and team.example.net) and providers wired to
 * it with good and with rejected credentials. The contract tests run the same checks against each.
 */
import { createDnsProvider } from "../../../src/dns/factory";
import { parseDnsCredentials } from "../../../src/dns/credentials";
import type { DnsProvider, DnsProviderName } from "../../../src/dns/provider";
import { createRoute53Fake } from "./aws";
import { createCloudflareFake } from "./cloudflare";
import { createDigitaloceanFake } from "./digitalocean";
import { createGodaddyFake } from "./godaddy";
import { createGoogleFake } from "./google";
import { generateServiceAccountKey } from "./keys";
import type { DnsFake } from "./shared";

export const FAKE_ZONES = ["example.com", "team.example.net"];

export interface ProviderSetup {
  fake: DnsFake;
  provider: DnsProvider;
  /** The same provider with a credential the fake rejects. */
  rejected: DnsProvider;
  /** Secret strings that must never show up in an error. */
  secrets: string[];
}

export const providerSetups: Record<DnsProviderName, () => Promise<ProviderSetup>> = {
  async cloudflare() {
    const apiToken = "cf-token-0123456789abcdefghijklmnopqrstuv";
    const fake = createCloudflareFake({ apiToken, zones: FAKE_ZONES });
    const make = (token: string) =>
      createDnsProvider("cloudflare", parseDnsCredentials("cloudflare", { apiToken: token }), { fetch: fake.fetch });
    const wrong = "cf-token-WRONG-0123456789abcdefghijklmnop";
    return { fake, provider: make(apiToken), rejected: make(wrong), secrets: [apiToken, wrong] };
  },

  async aws() {
    const accessKeyId = "AKIAFAKE0123456789AB";
    const secretAccessKey = "fakeSecretKey/0123456789abcdefghijklmnopqrs";
    const fake = createRoute53Fake({
      accessKeyId,
      secretAccessKey,
      zones: [
        { id: "Z1EXAMPLECOM", name: "example.com" },
        { id: "Z2PRIVATE", name: "team.example.net", private: true },
        { id: "Z3TEAMEXAMPLENET", name: "team.example.net" },
        { id: "Z4EXAMPLENET", name: "example.net" },
      ],
    });
    const make = (secret: string) =>
      createDnsProvider("aws", parseDnsCredentials("aws", { accessKeyId, secretAccessKey: secret, region: "eu-west-1" }), { fetch: fake.fetch });
    const wrong = "wrongSecretKey/0123456789abcdefghijklmnopq";
    return { fake, provider: make(secretAccessKey), rejected: make(wrong), secrets: [secretAccessKey, wrong] };
  },

  async digitalocean() {
    const apiToken = "dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const fake = createDigitaloceanFake({ apiToken, domains: [...FAKE_ZONES, "example.net"] });
    const make = (token: string) =>
      createDnsProvider("digitalocean", parseDnsCredentials("digitalocean", { apiToken: token }), { fetch: fake.fetch });
    const wrong = "dop_v1_ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    return { fake, provider: make(apiToken), rejected: make(wrong), secrets: [apiToken, wrong] };
  },

  async godaddy() {
    const apiKey = "gd-key-0123456789abcdef";
    const apiSecret = "gd-secret-0123456789abcdef";
    const fake = createGodaddyFake({ apiKey, apiSecret, domains: [...FAKE_ZONES, "example.net"] });
    const make = (secret: string) =>
      createDnsProvider("godaddy", parseDnsCredentials("godaddy", { apiKey, apiSecret: secret }), { fetch: fake.fetch });
    const wrong = "gd-secret-WRONG-0123456789";
    return { fake, provider: make(apiSecret), rejected: make(wrong), secrets: [apiSecret, wrong] };
  },

  async google() {
    const key = await generateServiceAccountKey();
    const other = await generateServiceAccountKey();
    const clientEmail = "certdesk-dns@my-project-123.iam.gserviceaccount.com";
    const fake = createGoogleFake({
      projectId: "my-project-123",
      clientEmail,
      publicKey: key.publicKey,
      zones: [
        { name: "example-com", dnsName: "example.com." },
        { name: "team-private", dnsName: "team.example.net.", visibility: "private" },
        { name: "team-example-net", dnsName: "team.example.net." },
        { name: "example-net", dnsName: "example.net." },
      ],
    });
    const make = (pem: string) =>
      createDnsProvider(
        "google",
        parseDnsCredentials("google", {
          projectId: "my-project-123",
          credentials: { type: "service_account", project_id: "my-project-123", private_key_id: "k1", private_key: pem, client_email: clientEmail, client_id: "1", token_uri: "https://oauth2.googleapis.com/token" },
        }),
        { fetch: fake.fetch },
      );
    const body = (pem: string) => pem.split("\n").slice(1, -2).join("");
    return { fake, provider: make(key.privateKeyPem), rejected: make(other.privateKeyPem), secrets: [body(key.privateKeyPem), body(other.privateKeyPem)] };
  },
};
