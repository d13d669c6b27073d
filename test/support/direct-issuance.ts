/**
 * The issuance job run in the e2e tests' workerd (runIssuance on this project's D1) against extra Pebbles, over DNS-01
 * through the Cloudflare fake: the CA is chosen per test, and restarted or stopped, without touching the Pebble and
 * the Worker the other tests share.
 */
import { env } from "cloudflare:test";
import { inject } from "vitest";
import { depsFrom } from "../../src/deps";
import type { IssueRequest } from "../../src/issuance/issue-request";
import { e2e, type ExtraPebble } from "./pebble-context";

/** newOrder requests `pebble` logged so far (across its restarts). */
export async function extraOrders(pebble: ExtraPebble): Promise<number> {
  return ((await (await fetch(`${inject("harnessUrl")}/pebble/extra/${pebble.id}/new-orders`)).json()) as { count: number }).count;
}

/** The issuance deps of this workerd with `directoryUrl` as the CA (and `fallbackUrls` after it). */
export function directDeps(directoryUrl: string, fallbackUrls: string[] = []) {
  const base = depsFrom(env);
  return {
    ...base,
    config: {
      ...base.config,
      ACME_DIRECTORY_URL: directoryUrl,
      ACME_FALLBACK_DIRECTORY_URLS: fallbackUrls,
      DNS_API_BASE_URLS: { cloudflare: inject("cloudflareDnsUrl") },
      DOH_RESOLVER_URL: e2e().dohUrl,
    },
  };
}

/** A team of its own in this workerd's D1. */
export async function createTeam(teamId: string, name: string): Promise<void> {
  await env.DB.prepare("INSERT INTO teams (id, slug, name, created_at) VALUES (?, ?, ?, 0)").bind(teamId, teamId.replace(/_/g, "-"), name).run();
}

/** `domain` held by the team (domain verification is not what these tests are about). */
export async function claimDomain(teamId: string, domain: string): Promise<void> {
  await env.DB.prepare("INSERT INTO domain_claims (domain, team_id, created_at) VALUES (?, ?, 0)").bind(domain, teamId).run();
}

/** A team-level DNS-01 obtain of `domain` at `directoryUrl`. */
export function dns01Obtain(teamId: string, domain: string, directoryUrl: string): IssueRequest {
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

/** The manual renewal of `certificateId` at `directoryUrl`, as the route sends it (the DNS credentials come from the row). */
export function dns01Renewal(teamId: string, domain: string, directoryUrl: string, certificateId: string): IssueRequest {
  const { dnsCredentials: _fromTheRow, ...obtain } = dns01Obtain(teamId, domain, directoryUrl);
  return { ...obtain, kind: "renew", certificateId, trigger: "manual" };
}

/** The stored certificate's issuance record, serial and PEMs. */
export async function storedIssuance(certificateId: string) {
  const row = await env.DB.prepare("SELECT issuance, serial, certificate_pem, chain_pem FROM certificates WHERE id = ?")
    .bind(certificateId)
    .first<{ issuance: string; serial: string; certificate_pem: string; chain_pem: string }>();
  return { issuance: JSON.parse(row!.issuance) as { directoryUrl: string }, serial: row!.serial, certificatePem: row!.certificate_pem, chainPem: row!.chain_pem };
}
