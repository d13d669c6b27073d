/**
 * One setup per registered DNS provider: its fake API (zones example.com and team.example.net), credentials the
 * fake accepts and credentials it rejects. The contract tests build each provider from these through the
 * registry (parseDnsCredentials, createDnsProvider) and run the same checks against each.
 */
import type { DnsProviderName } from "../../../src/dns/registry";
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
  /** Credentials as a team would submit them, which the fake accepts. */
  credentials: Record<string, unknown>;
  /** The same shape with a secret the fake rejects. */
  rejectedCredentials: Record<string, unknown>;
  /** Secret strings that must never show up in an error. */
  secrets: string[];
}

/** Keyed by every registered name, so a provider added to the registry without a setup does not compile. */
export const providerSetups: Record<DnsProviderName, () => Promise<ProviderSetup>> = {
  async cloudflare() {
    const apiToken = "cf-token-0123456789abcdefghijklmnopqrstuv";
    const fake = createCloudflareFake({ apiToken, zones: FAKE_ZONES });
    const wrong = "cf-token-WRONG-0123456789abcdefghijklmnop";
    return { fake, credentials: { apiToken }, rejectedCredentials: { apiToken: wrong }, secrets: [apiToken, wrong] };
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
    const wrong = "wrongSecretKey/0123456789abcdefghijklmnopq";
    const credentials = (secret: string) => ({ accessKeyId, secretAccessKey: secret, region: "eu-west-1" });
    return { fake, credentials: credentials(secretAccessKey), rejectedCredentials: credentials(wrong), secrets: [secretAccessKey, wrong] };
  },

  async digitalocean() {
    const apiToken = "dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const fake = createDigitaloceanFake({ apiToken, domains: [...FAKE_ZONES, "example.net"] });
    const wrong = "dop_v1_ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    return { fake, credentials: { apiToken }, rejectedCredentials: { apiToken: wrong }, secrets: [apiToken, wrong] };
  },

  async godaddy() {
    const apiKey = "gd-key-0123456789abcdef";
    const apiSecret = "gd-secret-0123456789abcdef";
    const fake = createGodaddyFake({ apiKey, apiSecret, domains: [...FAKE_ZONES, "example.net"] });
    const wrong = "gd-secret-WRONG-0123456789";
    return { fake, credentials: { apiKey, apiSecret }, rejectedCredentials: { apiKey, apiSecret: wrong }, secrets: [apiSecret, wrong] };
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
    const credentials = (pem: string) => ({
      projectId: "my-project-123",
      credentials: { type: "service_account", project_id: "my-project-123", private_key_id: "k1", private_key: pem, client_email: clientEmail, client_id: "1", token_uri: "https://oauth2.googleapis.com/token" },
    });
    const body = (pem: string) => pem.split("\n").slice(1, -2).join("");
    return {
      fake,
      credentials: credentials(key.privateKeyPem),
      rejectedCredentials: credentials(other.privateKeyPem),
      secrets: [body(key.privateKeyPem), body(other.privateKeyPem)],
    };
  },
};
