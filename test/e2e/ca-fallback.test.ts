/**
 * CA fallback with two Pebbles: the primary down, the order goes to the fallback CA, which the stored certificate then
 * names, and its renewal goes there first; a refusal that is not the CA's (CAA) never moves to another CA. The issuance
 * job runs here in workerd (runIssuance with this project's D1) over DNS-01 through the Cloudflare fake, so the CAs can
 * be chosen per test without touching the Worker the other tests share.
 */
import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { depsFrom } from "../../src/deps";
import type { IssueRequest } from "../../src/issuance/issue-request";
import { runIssuance } from "../../src/issuance/run-issuance";
import { e2e, randomName, startExtraPebble, type ExtraPebble } from "../support/pebble-context";

let primary: ExtraPebble;
let fallback: ExtraPebble;
const teamId = `team_fallback_${Date.now().toString(36)}`;

async function orders(pebble: ExtraPebble): Promise<number> {
  return ((await (await fetch(`${inject("harnessUrl")}/pebble/extra/${pebble.id}/new-orders`)).json()) as { count: number }).count;
}

/** A primary CA that is down: every request answered 503, as from its load balancer. */
const downCa = () => `${inject("harnessUrl")}/unavailable/directory`;

function deps(primaryUrl = primary.directoryUrl) {
  const base = depsFrom(env);
  return {
    ...base,
    config: {
      ...base.config,
      ACME_DIRECTORY_URL: primaryUrl,
      ACME_FALLBACK_DIRECTORY_URLS: [fallback.directoryUrl],
      DNS_API_BASE_URLS: { cloudflare: inject("cloudflareDnsUrl") },
      DOH_RESOLVER_URL: e2e().dohUrl,
    },
  };
}

async function claim(domain: string): Promise<void> {
  await env.DB.prepare("INSERT INTO domain_claims (domain, team_id, created_at) VALUES (?, ?, 0)").bind(domain, teamId).run();
}

function obtainRequest(domain: string, directoryUrl = primary.directoryUrl): IssueRequest {
  return {
    kind: "obtain",
    teamId,
    projectId: null,
    names: [domain],
    challengeType: "dns-01",
    dnsProvider: "cloudflare",
    dnsCredentials: { apiToken: inject("cloudflareApiToken") },
    keySpec: { keyType: "ec", curve: "P-256" },
    email: "admin@example.com",
    directoryUrl,
    staging: false,
    dryRun: false,
    autoRenew: true,
  };
}

async function storedIssuance(certificateId: string) {
  const row = await env.DB.prepare("SELECT issuance, serial FROM certificates WHERE id = ?").bind(certificateId).first<{ issuance: string; serial: string }>();
  return { issuance: JSON.parse(row!.issuance) as { directoryUrl: string }, serial: row!.serial };
}

beforeAll(async () => {
  [primary, fallback] = await Promise.all([startExtraPebble({ nonceReject: 0 }), startExtraPebble({ nonceReject: 0 })]);
  await env.DB.prepare("INSERT INTO teams (id, slug, name, created_at) VALUES (?, ?, 'Fallback', 0)").bind(teamId, teamId.replace(/_/g, "-")).run();
});

afterAll(async () => {
  await Promise.allSettled([primary?.remove(), fallback?.remove()]);
});

describe("CA fallback", () => {
  it("orders from the fallback CA while the primary is down, records it, and renews there first", async () => {
    const domain = randomName("fallback");
    await claim(domain);
    const before = await orders(fallback);
    const outcome = await runIssuance(deps(downCa()), obtainRequest(domain, downCa()));
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ state: "issued" });
    if (outcome.state !== "issued") return;
    expect(await orders(fallback)).toBe(before + 1);
    const first = await storedIssuance(outcome.certificateId);
    expect(first.issuance.directoryUrl).toBe(fallback.directoryUrl);

    // A primary that works again, yet the renewal goes to the CA that issued the certificate.
    const primaryBefore = await orders(primary);
    const renewal: IssueRequest = { ...obtainRequest(domain), kind: "renew", certificateId: outcome.certificateId, directoryUrl: first.issuance.directoryUrl, trigger: "manual" };
    delete (renewal as { dnsCredentials?: unknown }).dnsCredentials; // a renewal opens them from the row
    const renewed = await runIssuance(deps(), renewal);
    expect(renewed, JSON.stringify(renewed)).toMatchObject({ state: "issued", certificateId: outcome.certificateId });
    expect(await orders(fallback)).toBe(before + 2);
    expect(await orders(primary)).toBe(primaryBefore);
    expect((await storedIssuance(outcome.certificateId)).serial).not.toBe(first.serial);
  });

  it("never moves to another CA for a refusal that is not the CA's: CAA forbids every CA", async () => {
    const domain = randomName("fallback-caa");
    await claim(domain);
    const host = `${domain}.`;
    await fetch(`${e2e().challtestsrvUrl}/add-caa`, { method: "POST", body: JSON.stringify({ host, policies: [{ tag: "issue", value: ";" }] }) });
    try {
      const before = { primary: await orders(primary), fallback: await orders(fallback) };
      const outcome = await runIssuance(deps(), obtainRequest(domain));
      expect(outcome.state).toBe("failed");
      if (outcome.state !== "failed") return;
      expect(outcome.error.status).toBe(400);
      expect(await orders(primary)).toBe(before.primary);
      expect(await orders(fallback)).toBe(before.fallback);
    } finally {
      await fetch(`${e2e().challtestsrvUrl}/clear-caa`, { method: "POST", body: JSON.stringify({ host }) });
    }
  });
});
