/**
 * Subrequests of one issuance job, counted inside workerd against a real Pebble: the job the certificate's Durable
 * Object runs (runIssuance for obtain and renew, revokeStoredCertificate for revoke), with this project's D1 and KV,
 * as test/e2e/ca-fallback.test.ts runs it. Counted: every outbound fetch by service and ACME resource (the global
 * fetch wrapped), every D1 round trip and statement, every KV call, every checkpoint the object would save. A benchmark,
 * not a test: it asserts only that each job succeeded (counts of a failed job mean nothing) and prints one line for
 * bench/issuance-limits/run.mjs.
 *
 * The CA is the e2e run's main Pebble, restarted with PEBBLE_WFE_NONCEREJECT=0 (its default 5 % would add random
 * badNonce repeats), behind the e2e ACME Renewal Information endpoint (test/support/ari-proxy-server.ts; Pebble 2.4
 * has none, Let's Encrypt has), so the job fetches the renewal window as it would in production. DNS-01 goes through
 * the Cloudflare adapter to the e2e Cloudflare fake (mirrored into challtestsrv); HTTP-01 answers reach Pebble through
 * the benchmark's responder (see global-setup.ts). DoH lookups (CAA preflight, DNS-01 propagation check) go to the
 * harness's resolver. Every key is EC P-256: the key type changes no count.
 */
import "reflect-metadata";
import { env } from "cloudflare:test";
import { afterAll, beforeAll, inject, it } from "vitest";
import { database } from "../../src/db/client";
import { depsFrom } from "../../src/deps";
import type { IssuanceDeps } from "../../src/issuance/deps";
import type { IssueOutcome, IssueRequest, RevokeOutcome } from "../../src/issuance/issue-request";
import type { OrderCheckpoint } from "../../src/issuance/order-checkpoint";
import { revokeStoredCertificate } from "../../src/issuance/revoke";
import { runIssuance } from "../../src/issuance/run-issuance";
import { revocationCode } from "../../src/services/certificates/revocation-reasons";
import { e2e, randomName, restartPebble } from "../../test/support/pebble-context";
import { RESULT_MARKER } from "./context";
import { type Classifier, countFetches, countingCheckpoints, countingD1, countingKv, newTally, realFetch, type Tally } from "./counting";

/** Pebble's request paths (its wfe package) by ACME resource, as test/support/ca-network-proxy.ts reads them. */
const PEBBLE_PATHS: Array<[prefix: string, kind: string]> = [
  ["/dir", "directory"],
  ["/nonce-plz", "newNonce"],
  ["/sign-me-up", "newAccount"],
  ["/order-plz", "newOrder"],
  ["/my-order/", "order"],
  ["/finalize-order/", "finalize"],
  ["/authZ/", "authz"],
  ["/chalZ/", "challenge"],
  ["/certZ/", "certificate"],
  ["/revoke-cert", "revokeCert"],
  ["/my-account/", "account"],
];

interface FlowResult {
  flow: string;
  names: number;
  ms: number;
  outcome: string;
  tally: Tally;
}

let ariDirectoryUrl = "";
let classify: Classifier;
const hostsToClear: string[] = [];

async function post(url: string, body: unknown): Promise<void> {
  const response = await realFetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url} → ${response.status} ${text}`);
}

function makeClassifier(pebbleOrigin: string): Classifier {
  const ari = new URL(ariDirectoryUrl);
  const dns = new URL(inject("cloudflareDnsUrl"));
  const doh = new URL(e2e().dohUrl);
  return (url, method) => {
    if (url.origin === ari.origin) {
      if (url.pathname === ari.pathname) return { group: "acme", kind: "directory" };
      if (url.pathname.startsWith("/renewal-info/")) return { group: "acme", kind: "renewalInfo" };
    }
    if (url.origin === pebbleOrigin) {
      return { group: "acme", kind: PEBBLE_PATHS.find(([prefix]) => url.pathname.startsWith(prefix))?.[1] ?? `other ${url.pathname}` };
    }
    if (url.origin === dns.origin) {
      const path = url.pathname.replace(/\/zones\/[^/]+/, "/zones/:zone").replace(/\/dns_records\/[^/]+/, "/dns_records/:record");
      return { group: "dns-api", kind: `${method} ${path}` };
    }
    if (url.origin === doh.origin && url.pathname === doh.pathname) return { group: "doh", kind: url.searchParams.get("type") ?? "wire" };
    return { group: "other", kind: `${url.origin}${url.pathname}` };
  };
}

function config() {
  const base = depsFrom(env).config;
  return {
    ...base,
    ACME_DIRECTORY_URL: ariDirectoryUrl,
    ACME_FALLBACK_DIRECTORY_URLS: [],
    DNS_API_BASE_URLS: { cloudflare: inject("cloudflareDnsUrl") },
    DOH_RESOLVER_URL: e2e().dohUrl,
  };
}

/** One job with fresh counters: its deps, D1, KV, checkpoints and fetch all counted. */
async function measure(
  flow: string,
  names: number,
  job: (deps: IssuanceDeps, checkpoints: ReturnType<typeof countingCheckpoints<OrderCheckpoint>>) => Promise<IssueOutcome | RevokeOutcome>,
): Promise<{ result: FlowResult; outcome: IssueOutcome | RevokeOutcome }> {
  const tally = newTally();
  const deps: IssuanceDeps = {
    db: database(countingD1(env.DB, tally)),
    challenges: countingKv(env.CHALLENGES, tally, inject("issuanceLimitsServers").http01ControlUrl),
    config: config(),
  };
  const stop = countFetches(tally, classify);
  const started = Date.now();
  let outcome: IssueOutcome | RevokeOutcome;
  try {
    outcome = await job(deps, countingCheckpoints<OrderCheckpoint>(tally));
  } finally {
    stop();
  }
  const ms = Date.now() - started;
  const ok = "state" in outcome ? outcome.state === "issued" : outcome.ok;
  if (!ok) throw new Error(`${flow}: ${JSON.stringify(outcome)}`);
  return { result: { flow, names, ms, outcome: "state" in outcome ? outcome.state : "revoked", tally }, outcome };
}

/** An obtain as the API makes it for a team (ca-fallback.test.ts does the same), EC P-256. */
function obtain(teamId: string, names: string[], challenge: "http-01" | "dns-01"): IssueRequest {
  return {
    kind: "obtain",
    teamId,
    projectId: null,
    names,
    challengeType: challenge,
    ...(challenge === "dns-01" ? { dnsProvider: "cloudflare" as const, dnsCredentials: { apiToken: inject("cloudflareApiToken") } } : {}),
    keySpec: { keyType: "ec", curve: "P-256" },
    email: "admin@example.com",
    directoryUrl: ariDirectoryUrl,
    staging: false,
    dryRun: false,
    autoRenew: true,
  };
}

/** A manual renew of a stored certificate, as services/certificates/acme.ts builds it (credentials come from the row). */
async function renew(teamId: string, certificateId: string): Promise<IssueRequest> {
  const row = await env.DB.prepare("SELECT names, issuance FROM certificates WHERE id = ?").bind(certificateId).first<{ names: string; issuance: string }>();
  const how = JSON.parse(row!.issuance) as { challengeType: "http-01" | "dns-01"; dnsProvider: "cloudflare" | null; directoryUrl: string };
  return {
    kind: "renew",
    teamId,
    projectId: null,
    names: JSON.parse(row!.names) as string[],
    challengeType: how.challengeType,
    ...(how.dnsProvider ? { dnsProvider: how.dnsProvider } : {}),
    keySpec: { keyType: "ec", curve: "P-256" },
    email: "admin@example.com",
    directoryUrl: how.directoryUrl,
    staging: false,
    dryRun: false,
    autoRenew: true,
    certificateId,
    trigger: "manual",
  };
}

async function newTeam(round: number): Promise<string> {
  const teamId = `team_limits_${round}_${Date.now().toString(36)}`;
  await env.DB.prepare("INSERT INTO teams (id, slug, name, created_at) VALUES (?, ?, 'Issuance limits', 0)").bind(teamId, teamId.replace(/_/g, "-")).run();
  return teamId;
}

async function claim(teamId: string, ...domains: string[]): Promise<void> {
  for (const domain of domains) {
    await env.DB.prepare("INSERT INTO domain_claims (domain, team_id, created_at) VALUES (?, ?, 0)").bind(domain, teamId).run();
  }
}

/** HTTP-01 names resolve (for Pebble, through challtestsrv) to the benchmark's responder. */
async function http01Name(prefix: string): Promise<string> {
  const name = randomName(prefix);
  const host = `${name}.`;
  await post(`${e2e().challtestsrvUrl}/add-a`, { host, addresses: [inject("issuanceLimitsServers").http01Address] });
  hostsToClear.push(host);
  return name;
}

beforeAll(async () => {
  await restartPebble(0);
  ariDirectoryUrl = inject("ariControlUrl").replace(/\/control$/, "/dir");
  // Let's Encrypt answers renewalInfo with a window; so does the ARI endpoint once it has one.
  const start = new Date(Date.now() + 50 * 86_400_000);
  await post(`${inject("ariControlUrl")}/window`, { start: start.toISOString(), end: new Date(start.getTime() + 2 * 86_400_000).toISOString() });
  const directory = (await (await realFetch(ariDirectoryUrl)).json()) as { newNonce: string };
  classify = makeClassifier(new URL(directory.newNonce).origin);
});

afterAll(async () => {
  await Promise.allSettled(hostsToClear.map((host) => post(`${e2e().challtestsrvUrl}/clear-a`, { host })));
});

it("subrequests, D1, KV and checkpoints of each issuance job", async () => {
  const { rounds } = inject("issuanceLimitsOptions");
  const results: FlowResult[][] = [];
  for (let round = 0; round < rounds; round++) {
    const teamId = await newTeam(round);
    const out: FlowResult[] = [];
    const issued = async (flow: string, request: IssueRequest) => {
      const { result, outcome } = await measure(flow, request.names.length, (deps, checkpoints) => runIssuance(deps, request, Date.now, checkpoints));
      out.push(result);
      return (outcome as Extract<IssueOutcome, { state: "issued" }>).certificateId;
    };

    const h1 = await http01Name("limits-h1");
    await claim(teamId, h1);
    await issued("obtain HTTP-01, team's first order (ACME account created)", obtain(teamId, [h1], "http-01"));

    const h2 = await http01Name("limits-h2");
    await claim(teamId, h2);
    const http01Cert = await issued("obtain HTTP-01", obtain(teamId, [h2], "http-01"));

    const d1 = randomName("limits-d1");
    await claim(teamId, d1);
    const dns01Cert = await issued("obtain DNS-01 (Cloudflare)", obtain(teamId, [d1], "dns-01"));

    const w = randomName("limits-w");
    await claim(teamId, w, `*.${w}`);
    await issued("obtain DNS-01 (Cloudflare), name + wildcard", obtain(teamId, [w, `*.${w}`], "dns-01"));

    // Five names under one domain (one zone): how the counts grow with the names of an order.
    const h5 = await http01Name("limits-h5");
    const h5Names = [h5, ...["www", "api", "mail", "cdn"].map((label) => `${label}.${h5}`)];
    for (const name of h5Names.slice(1)) await post(`${e2e().challtestsrvUrl}/add-a`, { host: `${name}.`, addresses: [inject("issuanceLimitsServers").http01Address] });
    hostsToClear.push(...h5Names.slice(1).map((name) => `${name}.`));
    await claim(teamId, ...h5Names);
    await issued("obtain HTTP-01, 5 names", obtain(teamId, h5Names, "http-01"));

    const d5 = randomName("limits-d5");
    const d5Names = [d5, ...["www", "api", "mail", "cdn"].map((label) => `${label}.${d5}`)];
    await claim(teamId, ...d5Names);
    await issued("obtain DNS-01 (Cloudflare), 5 names", obtain(teamId, d5Names, "dns-01"));

    await issued("renew HTTP-01", await renew(teamId, http01Cert));
    await issued("renew DNS-01 (Cloudflare)", await renew(teamId, dns01Cert));

    const { result } = await measure("revoke", 1, (deps) => revokeStoredCertificate(deps, teamId, http01Cert, revocationCode("superseded")));
    out.push(result);
    results.push(out);
  }
  console.log(`${RESULT_MARKER} ${JSON.stringify({ kind: "subrequests", rounds: results })}`);
});
