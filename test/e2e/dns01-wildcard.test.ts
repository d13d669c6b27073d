/**
 * A name and its wildcard in one DNS-01 order against Pebble: both authorizations are for the same identifier, so both
 * values go to one TXT name (RFC 8555 §8.4). The issuance flow runs here in workerd — issueCertificate, the DNS-01
 * solver and the Cloudflare adapter — against the Cloudflare fake, whose TXT values are mirrored into
 * pebble-challtestsrv where Pebble looks them up. The solver's DoH check goes through a resolver that caches answers
 * for their TTL, as public resolvers do: the order is only answered once that resolver's first answer held both values.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { describe, expect, inject, it } from "vitest";
import { AcmeClient, generateAccountKey } from "../../src/acme";
import { createCloudflareProvider } from "../../src/dns/cloudflare";
import { dns01Solver } from "../../src/issuance/dns01-solver";
import { issueCertificate } from "../../src/issuance/issue-certificate";
import { createCachingResolver } from "../support/dns-fakes/caching-resolver";
import { createCloudflareFake } from "../support/dns-fakes/cloudflare";
import { e2e, randomName } from "../support/pebble-context";

x509.cryptoProvider.set(crypto);

const ZONE = "certdesk.test";
const API_TOKEN = "e2e-wildcard-cloudflare-token-0123456789";

/** The Cloudflare fake with every TXT change mirrored into challtestsrv, as test/support/cloudflare-fake-server.ts does. */
function cloudflareIntoChalltestsrv() {
  const challtestsrv = inject("challtestsrvUrl");
  return createCloudflareFake({
    apiToken: API_TOKEN,
    zones: [ZONE],
    async onChange(fqdn, values) {
      const host = `${fqdn}.`;
      await fetch(`${challtestsrv}/clear-txt`, { method: "POST", body: JSON.stringify({ host }) });
      for (const value of values) await fetch(`${challtestsrv}/set-txt`, { method: "POST", body: JSON.stringify({ host, value }) });
    },
  });
}

/** The TXT values challtestsrv serves now, asked without any cache. */
async function servedTxt(name: string): Promise<string[]> {
  const response = await fetch(`${e2e().dohUrl}?name=${encodeURIComponent(name)}&type=TXT`, { headers: { accept: "application/dns-json" } });
  return (((await response.json()) as { Answer?: { data: string }[] }).Answer ?? []).map((a) => a.data);
}

describe("a name and its wildcard in one DNS-01 order (Cloudflare fake, Pebble)", () => {
  it("presents both values at the shared name before checking, issues for both, and cleans both up", async () => {
    const base = randomName("apexwild");
    const names = [base, `*.${base}`];
    const record = `_acme-challenge.${base}`;
    const cloudflare = cloudflareIntoChalltestsrv();
    const resolver = createCachingResolver((input, init) => fetch(input, init));
    const solver = dns01Solver(createCloudflareProvider({ apiToken: API_TOKEN }, { fetch: cloudflare.fetch }), {
      resolverUrl: e2e().dohUrl,
      fetch: resolver.fetch,
    });
    const client = new AcmeClient({ directoryUrl: e2e().pebbleDirectoryUrl, accountKey: await generateAccountKey() });
    await client.createAccount({ termsOfServiceAgreed: true });

    const started = Date.now();
    const result = await issueCertificate(client, solver, {
      names,
      keySpec: { keyType: "ec", curve: "P-256" },
      dryRun: false,
      deadline: Date.now() + 100_000,
    });

    // One order, two authorizations, one TXT name: the resolver's first answer there already held both values, so
    // nothing waited out its TTL (60 s here; 600 s at GoDaddy).
    const answers = resolver.answers(record);
    expect(answers.length).toBeGreaterThan(0);
    expect(answers[0]).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(60_000);

    expect(result.dryRun).toBe(false);
    if (result.dryRun) return;
    const leaf = new x509.X509Certificate(result.chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)![0]);
    const san = leaf.getExtension(x509.SubjectAlternativeNameExtension);
    expect(san?.names.items.map((n) => n.value).sort()).toEqual([...names].sort());
    expect(result.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    // Both values were written through the adapter, and both are gone again, at the provider and in DNS.
    expect(cloudflare.requests.filter((r) => r.startsWith("POST ") && r.endsWith("/dns_records"))).toHaveLength(2);
    expect(cloudflare.requests.filter((r) => r.startsWith("DELETE "))).toHaveLength(2);
    expect(cloudflare.txt(record)).toEqual([]);
    expect(await servedTxt(record)).toEqual([]);
  });
});
