/** The DNS provider registry: the names the API accepts, and the obtain schema derived from it. */
import { describe, expect, it } from "vitest";
import { dnsProviderEntry, dnsProviderNames, dnsProviders } from "../../../src/dns/registry";
import { obtainBody } from "../../../src/routes/native/obtain-schema";

const dns01 = { email: "admin@example.com", challengeType: "dns-01", dnsCredentials: {} };

describe("DNS provider registry", () => {
  it("lists the providers the API has always named, in the same order", () => {
    expect(dnsProviderNames).toEqual(["cloudflare", "aws", "digitalocean", "godaddy", "google"]);
  });

  it("gives each entry a distinct name and label, and finds it by name", () => {
    expect(new Set(dnsProviders.map((entry) => entry.name)).size).toBe(dnsProviders.length);
    expect(new Set(dnsProviders.map((entry) => entry.label)).size).toBe(dnsProviders.length);
    for (const entry of dnsProviders) expect(dnsProviderEntry(entry.name)).toBe(entry);
    expect(() => dnsProviderEntry("bind9" as never)).toThrow("unknown DNS provider bind9");
  });

  it("is what the obtain schema accepts and describes", () => {
    for (const name of dnsProviderNames) expect(obtainBody.safeParse({ ...dns01, dnsProvider: name }).success).toBe(true);
    expect(obtainBody.safeParse({ ...dns01, dnsProvider: "bind9" }).success).toBe(false);
    const description = obtainBody.shape.dnsProvider.description ?? "";
    for (const entry of dnsProviders) expect(description).toContain(`${entry.name} (${entry.label})`);
  });
});
