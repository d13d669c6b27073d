/** The configuration: committed secrets refused outside local runs, the sealing keyring, limits with defaults. */
import { describe, expect, it, vi } from "vitest";
import { configSchema, LIMIT_DEFAULTS, parseConfig } from "../../../src/core/config";
import { bytesToBase64 } from "../../../src/crypto/encoding";

const DEV_ADMIN_TOKEN = "local-admin-token";
const DEV_ENCRYPTION_KEY = "bG9jYWwtZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzI=";
const TEST_ADMIN_TOKEN = "test-admin-token-0123456789";
const TEST_ENCRYPTION_KEY = "dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTMyYnl0ZXM=";
const newKey = () => bytesToBase64(crypto.getRandomValues(new Uint8Array(32)));

const base = {
  ADMIN_TOKEN: "a-real-operator-token-0123456789",
  ENCRYPTION_KEY: newKey(),
  ACME_DIRECTORY_URL: "https://acme-v02.api.letsencrypt.org/directory",
  ACME_STAGING_DIRECTORY_URL: "https://acme-staging-v02.api.letsencrypt.org/directory",
  DOH_RESOLVER_URL: "https://cloudflare-dns.com/dns-query",
};

/** The issues of parsing `values`, as "path: message". */
function issues(values: Record<string, unknown>): string[] {
  const result = configSchema.safeParse(values);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("committed secrets", () => {
  it.each([
    ["ADMIN_TOKEN", DEV_ADMIN_TOKEN],
    ["ADMIN_TOKEN", TEST_ADMIN_TOKEN],
    ["ENCRYPTION_KEY", DEV_ENCRYPTION_KEY],
    ["ENCRYPTION_KEY", TEST_ENCRYPTION_KEY],
    ["ENCRYPTION_KEY", DEV_ENCRYPTION_KEY.replace(/=$/, "")],
  ])("refuses the committed %s %s in production (the default)", (name, value) => {
    const found = issues({ ...base, [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${name}: ${name} is a value committed to the repository; set your own with \`wrangler secret put ${name}\``));
    expect(found[0]).not.toContain(value);
    expect(issues({ ...base, CERTDESK_ENV: "production", [name]: value })).toHaveLength(1);
  });

  it("accepts them in local development and tests", () => {
    for (const CERTDESK_ENV of ["development", "test"]) {
      expect(issues({ ...base, CERTDESK_ENV, ADMIN_TOKEN: DEV_ADMIN_TOKEN, ENCRYPTION_KEY: DEV_ENCRYPTION_KEY })).toEqual([]);
    }
  });

  it("reports missing secrets by name, without tripping over them", () => {
    expect(issues({ ...base, ADMIN_TOKEN: undefined, ENCRYPTION_KEY: undefined }).map((issue) => issue.split(":")[0])).toEqual(["ADMIN_TOKEN", "ENCRYPTION_KEY"]);
    // Every problem at once: a too-short token does not hide a committed key.
    expect(issues({ ...base, ADMIN_TOKEN: "short", ENCRYPTION_KEY: DEV_ENCRYPTION_KEY }).map((issue) => issue.split(":")[0])).toEqual(["ADMIN_TOKEN", "ENCRYPTION_KEY"]);
  });

  it("refuses an unknown CERTDESK_ENV rather than guessing", () => {
    expect(issues({ ...base, CERTDESK_ENV: "dev" })).toEqual(["CERTDESK_ENV: CERTDESK_ENV must be one of production, development, test"]);
  });

  it("fails the whole service, logging names and never values", () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(() => parseConfig({ ...base, ENCRYPTION_KEY: DEV_ENCRYPTION_KEY })).toThrow("Service is misconfigured");
    expect(log.mock.calls.flat().join(" ")).not.toContain(DEV_ENCRYPTION_KEY);
    log.mockRestore();
  });
});

describe("test-only switches", () => {
  const switches: [string, string][] = [
    ["DNS_API_BASE_URLS", JSON.stringify({ cloudflare: "https://dns-fake.example/client/v4" })],
    ["DEPLOY_API_BASE_URLS", JSON.stringify({ cloudflare: "https://deploy-fake.example", aws: "https://acm-fake.example" })],
    ["TEST_HTTP01_KV_LAG", JSON.stringify({ ms: 1_000, hostSuffix: "kvlag.example" })],
    ["ALLOW_PRIVATE_WEBHOOK_TARGETS", "true"],
    ["ACME_SERVER_HTTP01_PORT", "5002"],
  ];

  it.each(switches)("refuses %s in production (the default): the service does not start", (name, value) => {
    const expected = [`${name}: ${name} is for tests: set only when CERTDESK_ENV is test or development`];
    expect(issues({ ...base, [name]: value })).toEqual(expected);
    expect(issues({ ...base, CERTDESK_ENV: "production", [name]: value })).toEqual(expected);
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(() => parseConfig({ ...base, [name]: value })).toThrow("Service is misconfigured");
    expect(log.mock.calls.flat().join(" ")).toContain(`${name} is for tests`);
    log.mockRestore();
  });

  it("reports every one set, at once", () => {
    expect(issues({ ...base, ...Object.fromEntries(switches) }).map((issue) => issue.split(":")[0])).toEqual(switches.map(([name]) => name));
  });

  it.each(["development", "test"])("accepts them all where CERTDESK_ENV is %s", (CERTDESK_ENV) => {
    const config = parseConfig({ ...base, CERTDESK_ENV, ...Object.fromEntries(switches) });
    expect(config.DNS_API_BASE_URLS).toEqual({ cloudflare: "https://dns-fake.example/client/v4" });
    expect(config.DEPLOY_API_BASE_URLS).toEqual({ cloudflare: "https://deploy-fake.example", aws: "https://acm-fake.example" });
    expect(config.TEST_HTTP01_KV_LAG).toEqual({ ms: 1_000, hostSuffix: "kvlag.example" });
    expect(config.ALLOW_PRIVATE_WEBHOOK_TARGETS).toBe(true);
  });

  it("accepts what means they are off: absent, an empty object, false", () => {
    expect(issues({ ...base, DNS_API_BASE_URLS: "{}", DEPLOY_API_BASE_URLS: "", ALLOW_PRIVATE_WEBHOOK_TARGETS: "false" })).toEqual([]);
    const config = parseConfig(base);
    expect(config.DNS_API_BASE_URLS).toEqual({});
    expect(config.DEPLOY_API_BASE_URLS).toEqual({});
  });
});

describe("ENCRYPTION_KEY and ENCRYPTION_KEY_PREVIOUS", () => {
  it("carries the keyring, current key first, so seal and unseal callers pass it as before", () => {
    const [previous1, previous2] = [newKey(), newKey()];
    const config = parseConfig({ ...base, ENCRYPTION_KEY_PREVIOUS: ` ${previous1},\n${previous2} ` });
    expect(config.ENCRYPTION_KEY).toBe(`${base.ENCRYPTION_KEY},${previous1},${previous2}`);
    expect(parseConfig(base).ENCRYPTION_KEY).toBe(base.ENCRYPTION_KEY);
  });

  it("accepts a committed key as a previous one, the way off it", () => {
    expect(issues({ ...base, ENCRYPTION_KEY_PREVIOUS: DEV_ENCRYPTION_KEY })).toEqual([]);
  });

  it("refuses a previous key that is not 32 bytes", () => {
    expect(issues({ ...base, ENCRYPTION_KEY_PREVIOUS: `${newKey()},c2hvcnQ=` })).toEqual([
      "ENCRYPTION_KEY_PREVIOUS: each key in ENCRYPTION_KEY_PREVIOUS must be 32 bytes, base64-encoded (openssl rand -base64 32)",
    ]);
  });
});

describe("limits", () => {
  it("have documented defaults", () => {
    const config = parseConfig(base);
    for (const [name, value] of Object.entries(LIMIT_DEFAULTS)) expect(config[name as keyof typeof LIMIT_DEFAULTS]).toBe(value);
  });

  it("are read from [vars] strings and refused when not a positive whole number", () => {
    expect(parseConfig({ ...base, CA_CALLS_BURST: "3", CLIENT_CERTIFICATE_BYTES_PER_TEAM: "65536" })).toMatchObject({
      CA_CALLS_BURST: 3,
      CLIENT_CERTIFICATE_BYTES_PER_TEAM: 65_536,
    });
    expect(issues({ ...base, CA_CALLS_PER_HOUR: "0" })).toHaveLength(1);
    expect(issues({ ...base, CERTIFICATES_PER_TEAM: "lots" })).toHaveLength(1);
  });

  it("default to a platform's size: no tighter than Let's Encrypt's per-account limits, 100,000 certificates", () => {
    const config = parseConfig(base);
    // Let's Encrypt: 300 new orders per account per 3 hours (https://letsencrypt.org/docs/rate-limits/).
    expect(config.CA_CALLS_BURST).toBeGreaterThanOrEqual(300);
    expect(config.CA_CALLS_PER_HOUR * 3).toBeGreaterThanOrEqual(300);
    expect(config.CERTIFICATES_PER_TEAM).toBe(100_000);
    // Bytes to match: at least 16 KiB a certificate, the room each had under the old 1,000 and 16 MiB.
    expect(config.CERTIFICATE_BYTES_PER_TEAM / config.CERTIFICATES_PER_TEAM).toBeGreaterThanOrEqual(16 * 1024);
    // Up to a D1 database's 10 GB.
    expect(parseConfig({ ...base, CERTIFICATE_BYTES_PER_TEAM: "10000000000" }).CERTIFICATE_BYTES_PER_TEAM).toBe(10_000_000_000);
    expect(issues({ ...base, CERTIFICATE_BYTES_PER_TEAM: "10000000001" })).toHaveLength(1);
  });
});
