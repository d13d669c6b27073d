/** Where a webhook may go, without the network: the URL as written, and what ALLOW_PRIVATE_WEBHOOK_TARGETS changes where. */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { parseConfig } from "../../../src/core/config";
import { targetCheckOf, webhookTargetProblem, webhookUrlProblem } from "../../../src/services/webhooks/endpoint-url";

// Without the unit project's DNS_API_BASE_URLS (a test-only switch too): a production parse must fail only on the one set here.
const { DNS_API_BASE_URLS: _unitDnsFakes, ...unitEnv } = env as typeof env & { DNS_API_BASE_URLS?: string };
const base = { ...unitEnv, ACME_DIRECTORY_URL: "https://acme.example/directory", ACME_STAGING_DIRECTORY_URL: "https://acme.example/staging", DOH_RESOLVER_URL: "https://doh.example/dns-query" };

describe("ALLOW_PRIVATE_WEBHOOK_TARGETS", () => {
  it("counts only where CERTDESK_ENV is development or test; a production deployment that sets it does not start", () => {
    const secrets = { ADMIN_TOKEN: "a-real-operator-token-0123456789", ENCRYPTION_KEY: btoa("k".repeat(32)) };
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(() => parseConfig({ ...base, ...secrets, CERTDESK_ENV: "production", ALLOW_PRIVATE_WEBHOOK_TARGETS: "true" })).toThrow(/misconfigured/);
    expect(log.mock.calls.flat().join(" ")).toContain("ALLOW_PRIVATE_WEBHOOK_TARGETS is for tests");
    log.mockRestore();
    // The endpoint check asks CERTDESK_ENV too, whatever the configuration let through.
    const production = parseConfig({ ...base, ...secrets, CERTDESK_ENV: "production" });
    expect(targetCheckOf({ ...production, ALLOW_PRIVATE_WEBHOOK_TARGETS: true }).allowPrivate).toBe(false);
    expect(targetCheckOf(parseConfig({ ...base, CERTDESK_ENV: "development", ALLOW_PRIVATE_WEBHOOK_TARGETS: "true" })).allowPrivate).toBe(true);
    expect(targetCheckOf(parseConfig({ ...base, CERTDESK_ENV: "test" })).allowPrivate).toBe(false);
  });

  it("is true or false, nothing else", () => {
    expect(() => parseConfig({ ...base, ALLOW_PRIVATE_WEBHOOK_TARGETS: "yes" })).toThrow(/misconfigured/);
  });
});

describe("webhookUrlProblem", () => {
  it.each([
    ["https://hooks.example.com/x", false, undefined],
    ["http://hooks.example.com/x", false, "Must be an https:// URL"],
    ["http://127.0.0.1:8080/x", true, undefined],
    ["https://[fd12::1]/x", false, "Must not point at a private network address"],
    ["https://hooks.example.com/x#frag", false, "Must not contain a fragment (#…)"],
    ["https://hooks.example.com/a\tb", false, "Must not contain whitespace or control characters"],
    // The one classifier pushes use: only global unicast, no single-label names, loopback only on a local run.
    ["https://instance-data/x", false, "Must be a fully qualified domain name: a single-label host (such as intranet) names something inside the network"],
    ["http://instance-data/x", true, "Must be a fully qualified domain name: a single-label host (such as intranet) names something inside the network"],
    ["https://[::7f00:1]/x", false, "Must not point at a loopback address or localhost"],
    ["https://[2002:7f00:1::]/x", true, "Must not point at an IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64, 6to4, Teredo)"],
    ["https://198.18.0.1/x", true, "Must not point at a reserved address"],
  ])("%s (local run: %s): %s", (url, allowPrivate, problem) => {
    expect(webhookUrlProblem(url, allowPrivate)).toBe(problem);
  });

  it("does not resolve an address literal, nor anything when DOH_RESOLVER_URL is none", async () => {
    const refuse: typeof fetch = async () => {
      throw new Error("no lookup expected");
    };
    expect(await webhookTargetProblem("https://93.184.215.14/x", { resolverUrl: "https://doh.example/dns-query", allowPrivate: false, fetch: refuse })).toBeUndefined();
    expect(await webhookTargetProblem("https://hooks.example.com/x", { resolverUrl: null, allowPrivate: false, fetch: refuse })).toBeUndefined();
  });

  it("refuses a name resolving to a special-purpose address a private-range table would miss", async () => {
    const answers: typeof fetch = async (input) => {
      const type = new URL(new Request(input).url).searchParams.get("type");
      return Response.json({ Status: 0, Answer: type === "A" ? [{ type: 1, data: "192.0.0.9" }] : [{ type: 28, data: "64:ff9b:1::a00:1" }] });
    };
    expect(await webhookTargetProblem("https://odd.example.com/x", { resolverUrl: "https://doh.example/dns-query", allowPrivate: false, fetch: answers })).toEqual({
      kind: "refused",
      message: "odd.example.com resolves to 192.0.0.9: Must not point at a reserved address",
    });
  });

  it("does not trust an answer that is not an address", async () => {
    const odd: typeof fetch = async (input) => {
      const type = new URL(new Request(input).url).searchParams.get("type");
      return Response.json({ Status: 0, Answer: type === "A" ? [{ type: 1, data: "not-an-address" }] : [] });
    };
    expect(await webhookTargetProblem("https://odd.example.com/x", { resolverUrl: "https://doh.example/dns-query", allowPrivate: false, fetch: odd })).toEqual({
      kind: "refused",
      message: "odd.example.com resolves to not-an-address: Must resolve to an IP address",
    });
  });
});
