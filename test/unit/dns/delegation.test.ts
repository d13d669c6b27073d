/**
 * CNAME-delegated DNS-01 (src/dns/delegation.ts): the stable label, the CNAME check over a fake DoH resolver, the
 * preflight that refuses a missing or misdirected CNAME, the solver writing at the target, the ACME_DELEGATION_*
 * configuration and the obtain body's exclusivity.
 */
import { describe, expect, it } from "vitest";
import { configSchema } from "../../../src/core/config";
import { bytesToBase64 } from "../../../src/crypto/encoding";
import { checkDelegation, delegationLabel, delegationRecord, type DelegationRecord } from "../../../src/dns/delegation";
import type { DnsProvider } from "../../../src/dns";
import { dns01Solver } from "../../../src/issuance/dns01-solver";
import { requestFingerprint, type IssueRequest } from "../../../src/issuance/issue-request";
import { withStoredCredentials } from "../../../src/issuance/run-issuance";
import type { CertificateRow } from "../../../src/store/certificates";
import { preflightOrder } from "../../../src/issuance/preflight";
import { obtainBody } from "../../../src/routes/native/obtain-schema";

const ZONE = "acme-validation.example.net";
const RESOLVER = "https://doh.example/dns-query";

/** A DoH resolver holding `cnames` (name → target), answering CNAME queries as the JSON API does. */
function fakeDoh(cnames: Record<string, string>) {
  const asked: string[] = [];
  const fetchFake: typeof fetch = async (input) => {
    const url = new URL(String(input));
    const name = url.searchParams.get("name")!;
    asked.push(`${name} ${url.searchParams.get("type")}`);
    const target = cnames[name];
    if (!target) return Response.json({ Status: 3 });
    return Response.json({ Status: 0, Answer: [{ name: `${name}.`, type: 5, TTL: 300, data: `${target}.` }] });
  };
  return { asked, fetch: fetchFake };
}

describe("the delegation label", () => {
  it("is 26 base32 characters, stable, and the same for an apex and its wildcard", async () => {
    const label = await delegationLabel("team_1", "shop.example.com");
    expect(label).toMatch(/^[a-z2-7]{26}$/);
    expect(await delegationLabel("team_1", "shop.example.com")).toBe(label);
    expect(await delegationLabel("team_1", "*.shop.example.com")).toBe(label);
    expect(await delegationLabel("team_1", "SHOP.example.com.")).toBe(label);
  });

  it("differs across teams and domains, and reveals neither", async () => {
    const label = await delegationLabel("team_1", "shop.example.com");
    expect(await delegationLabel("team_2", "shop.example.com")).not.toBe(label);
    expect(await delegationLabel("team_1", "www.shop.example.com")).not.toBe(label);
    expect(label).not.toContain("shop");
    expect(label).not.toContain("team");
  });

  it("names the customer's record: _acme-challenge.<base domain> CNAME <label>.<zone>", async () => {
    const record = await delegationRecord("team_1", "*.shop.example.com", `${ZONE.toUpperCase()}.`);
    expect(record).toEqual({ recordName: "_acme-challenge.shop.example.com", recordType: "CNAME", recordValue: `${await delegationLabel("team_1", "shop.example.com")}.${ZONE}` });
  });
});

describe("checkDelegation", () => {
  it("active when the CNAME points at the target, wrong_target elsewhere, pending when there is none", async () => {
    const record = await delegationRecord("team_1", "shop.example.com", ZONE);
    const active = fakeDoh({ [record.recordName]: record.recordValue.toUpperCase() });
    expect(await checkDelegation(record, { resolverUrl: RESOLVER, fetch: active.fetch })).toEqual({ status: "active", found: record.recordValue });
    expect(active.asked).toEqual([`${record.recordName} CNAME`]);
    const other = fakeDoh({ [record.recordName]: `other.${ZONE}` });
    expect(await checkDelegation(record, { resolverUrl: RESOLVER, fetch: other.fetch })).toEqual({ status: "wrong_target", found: `other.${ZONE}` });
    expect(await checkDelegation(record, { resolverUrl: RESOLVER, fetch: fakeDoh({}).fetch })).toEqual({ status: "pending", found: null });
  });
});

/** A provider that records what it is asked, and finds a zone for every name. */
function recordingProvider() {
  const calls: string[] = [];
  const provider: DnsProvider = {
    name: "cloudflare",
    present: async (fqdn, value) => void calls.push(`present ${fqdn} ${value}`),
    check: async (fqdn) => void calls.push(`check ${fqdn}`),
    cleanUp: async (fqdn, value) => void calls.push(`cleanUp ${fqdn} ${value}`),
  };
  return { calls, provider };
}

describe("delegated issuance", () => {
  const directory = { newNonce: "", newAccount: "", newOrder: "", revokeCert: "", keyChange: "" } as never;

  async function delegation(...names: string[]): Promise<Map<string, DelegationRecord>> {
    const records = new Map<string, DelegationRecord>();
    for (const name of names) {
      const record = await delegationRecord("team_1", name, ZONE);
      records.set(record.recordName, record);
    }
    return records;
  }

  it("the preflight refuses a missing or misdirected CNAME with the exact record to create, and checks the target's zone once it is right", async () => {
    const records = await delegation("shop.example.com", "*.shop.example.com");
    const [record] = [...records.values()];
    expect(records.size).toBe(1);
    const base = { names: ["shop.example.com", "*.shop.example.com"], directory, resolverUrl: RESOLVER, delegation: records };
    const { calls, provider } = recordingProvider();
    const missing = preflightOrder({ ...base, dnsProvider: provider, fetch: fakeDoh({}).fetch });
    await expect(missing).rejects.toMatchObject({ code: "validation_failed", status: 400, param: "dnsDelegation" });
    await expect(missing).rejects.toThrow(`\`_acme-challenge.shop.example.com. CNAME ${record!.recordValue}.\``);
    await expect(missing).rejects.toThrow("there is none");
    const wrong = preflightOrder({ ...base, dnsProvider: provider, fetch: fakeDoh({ [record!.recordName]: `another.${ZONE}` }).fetch });
    await expect(wrong).rejects.toThrow(`it points to another.${ZONE}`);
    expect(calls).toEqual([]);
    // CAA answers NXDOMAIN from the fake (no CAA: allowed); the provider is asked about the target, not the customer's name.
    await preflightOrder({ ...base, dnsProvider: provider, fetch: fakeDoh({ [record!.recordName]: record!.recordValue }).fetch });
    expect(calls).toEqual([`check ${record!.recordValue}`]);
  });

  it("the solver writes and removes the TXT at the target, never at the customer's name", async () => {
    const records = await delegation("shop.example.com");
    const [record] = [...records.values()];
    const { calls, provider } = recordingProvider();
    const solver = dns01Solver(provider, { resolverUrl: null, recordName: (domain) => records.get(`_acme-challenge.${domain}`)!.recordValue });
    const task = { domain: "shop.example.com", token: "t", keyAuthorization: "t.k", dnsTxtValue: "value-1" };
    await solver.present(task);
    await solver.settle?.([task]);
    await solver.cleanUp(task);
    expect(calls).toEqual([`present ${record!.recordValue} value-1`, `cleanUp ${record!.recordValue} value-1`]);
  });
});

describe("a delegated renewal", () => {
  const request: IssueRequest = {
    kind: "renew",
    teamId: "team_1",
    projectId: "prj_1",
    names: ["shop.example.com"],
    challengeType: "dns-01",
    dnsDelegation: true,
    keySpec: { keyType: "ec", curve: "P-256" },
    email: null,
    directoryUrl: "https://ca.example/directory",
    staging: false,
    dryRun: false,
    autoRenew: true,
    certificateId: "crt_1",
  };

  it("opens no credentials of the row or a connection: the operator's come from the configuration", async () => {
    const previous = { id: "crt_1", sealedDnsCredentials: "v2.sealed", dnsConnectionId: null } as unknown as CertificateRow;
    expect(await withStoredCredentials(null as never, "unused", request, previous)).toBe(request);
  });

  it("is not the same job as an undelegated one for the same names", () => {
    expect(requestFingerprint(request)).not.toBe(requestFingerprint({ ...request, dnsDelegation: undefined }));
  });
});

describe("ACME_DELEGATION_* configuration", () => {
  const base = {
    ADMIN_TOKEN: "a-real-operator-token-0123456789",
    ENCRYPTION_KEY: bytesToBase64(crypto.getRandomValues(new Uint8Array(32))),
    ACME_DIRECTORY_URL: "https://acme-v02.api.letsencrypt.org/directory",
    ACME_STAGING_DIRECTORY_URL: "https://acme-staging-v02.api.letsencrypt.org/directory",
    DOH_RESOLVER_URL: "https://cloudflare-dns.com/dns-query",
  };
  const SECRET = "cf-secret-token-value-0123456789";
  const issues = (values: Record<string, unknown>) => {
    const result = configSchema.safeParse({ ...base, ...values });
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("unset: delegation is unavailable", () => {
    expect(configSchema.parse(base).ACME_DELEGATION).toBeNull();
  });

  it("parses the zone (normalized), the provider and its credentials", () => {
    const config = configSchema.parse({
      ...base,
      ACME_DELEGATION_ZONE: "Acme-Validation.Example.NET.",
      ACME_DELEGATION_DNS_PROVIDER: "cloudflare",
      ACME_DELEGATION_DNS_CREDENTIALS: JSON.stringify({ apiToken: SECRET }),
    });
    expect(config.ACME_DELEGATION).toEqual({ zone: ZONE, provider: "cloudflare", credentials: { apiToken: SECRET } });
  });

  it("refuses a zone without its provider or credentials, credentials of the wrong shape, and a bad zone, never echoing the secret", () => {
    expect(issues({ ACME_DELEGATION_ZONE: ZONE })).toEqual(["ACME_DELEGATION_DNS_PROVIDER: ACME_DELEGATION_DNS_PROVIDER is required with ACME_DELEGATION_ZONE"]);
    expect(issues({ ACME_DELEGATION_ZONE: ZONE, ACME_DELEGATION_DNS_PROVIDER: "cloudflare" })[0]).toMatch(/^ACME_DELEGATION_DNS_CREDENTIALS: ACME_DELEGATION_DNS_CREDENTIALS is required/);
    expect(issues({ ACME_DELEGATION_ZONE: ZONE, ACME_DELEGATION_DNS_PROVIDER: "bind9", ACME_DELEGATION_DNS_CREDENTIALS: "{}" })[0]).toMatch(/^ACME_DELEGATION_DNS_PROVIDER: Must be one of cloudflare/);
    const wrongShape = issues({ ACME_DELEGATION_ZONE: ZONE, ACME_DELEGATION_DNS_PROVIDER: "cloudflare", ACME_DELEGATION_DNS_CREDENTIALS: JSON.stringify({ token: SECRET }) });
    expect(wrongShape).toHaveLength(1);
    expect(wrongShape[0]).toMatch(/^ACME_DELEGATION_DNS_CREDENTIALS: ACME_DELEGATION_DNS_CREDENTIALS\.apiToken: Required/);
    expect(wrongShape[0]).not.toContain(SECRET);
    const notJson = issues({ ACME_DELEGATION_ZONE: ZONE, ACME_DELEGATION_DNS_PROVIDER: "cloudflare", ACME_DELEGATION_DNS_CREDENTIALS: `{${SECRET}` });
    expect(notJson).toEqual(["ACME_DELEGATION_DNS_CREDENTIALS: ACME_DELEGATION_DNS_CREDENTIALS must be a JSON object"]);
    expect(issues({ ACME_DELEGATION_ZONE: "not a zone", ACME_DELEGATION_DNS_PROVIDER: "cloudflare", ACME_DELEGATION_DNS_CREDENTIALS: "{}" })[0]).toMatch(/^ACME_DELEGATION_ZONE: ACME_DELEGATION_ZONE must be a DNS name/);
    expect(issues({ ACME_DELEGATION_DNS_PROVIDER: "cloudflare" })).toEqual([
      "ACME_DELEGATION_ZONE: ACME_DELEGATION_ZONE is required when ACME_DELEGATION_DNS_PROVIDER or ACME_DELEGATION_DNS_CREDENTIALS is set",
    ]);
  });
});

describe("the obtain body", () => {
  const dns01 = { email: "a@example.com", challengeType: "dns-01" };
  const problems = (body: Record<string, unknown>) => {
    const result = obtainBody.safeParse(body);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("takes dnsDelegation alone for dns-01", () => {
    expect(problems({ ...dns01, dnsDelegation: true })).toEqual([]);
  });

  it.each([
    [{ dnsProvider: "cloudflare", dnsCredentials: { apiToken: "x" } }],
    [{ dnsProvider: "cloudflare" }],
    [{ dnsCredentials: { apiToken: "x" } }],
    [{ dnsConnectionId: "dnsconn_1" }],
  ])("refuses it with other DNS credentials (%o)", (extra) => {
    expect(problems({ ...dns01, dnsDelegation: true, ...extra })).toEqual([
      "dnsDelegation: Give either dnsDelegation or dnsProvider and dnsCredentials (or dnsConnectionId), not both",
    ]);
  });

  it("refuses it for http-01", () => {
    expect(problems({ email: "a@example.com", challengeType: "http-01", dnsDelegation: true })).toEqual(["dnsDelegation: Only used with challengeType dns-01"]);
  });
});
