/** What the e2e global setup provides to tests (vitest `provide`/`inject`), and small helpers over it. */
import { expect, inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** `wrangler dev` of this Worker (also Pebble's HTTP-01 port). */
    workerUrl: string;
    /** Pebble's ACME directory (HTTPS, trusted through NODE_EXTRA_CA_CERTS). */
    pebbleDirectoryUrl: string;
    /** Pebble's management interface: /roots/0, /intermediates/0, /cert-status-by-serial/<hex>. */
    pebbleManagementUrl: string;
    /** pebble-challtestsrv management API: POST /set-txt {host, value}, /clear-txt {host}. */
    challtestsrvUrl: string;
    /** Node-side harness (see scripts/pebble/harness-server.mjs): /pebble/new-orders, /pebble/restart, /pebble/stop, /pebble/extra, /dns-query. */
    harnessUrl: string;
    /** DNS-over-HTTPS (JSON and RFC 8484) answering from challtestsrv's DNS; the Worker's DOH_RESOLVER_URL. */
    dohUrl: string;
    /** The Worker's ADMIN_TOKEN for this run. */
    adminToken: string;
    /** Per-run directory with pebble.log, challtestsrv.log, wrangler.log. */
    runDir: string;
    /** The API token the local Cloudflare fake (DNS_API_BASE_URLS.cloudflare) accepts for zone certdesk.test. */
    cloudflareApiToken: string;
    /** That fake's origin (its TXT changes are mirrored into challtestsrv). */
    cloudflareDnsUrl: string;
    /** The Worker's ACME_DELEGATION_ZONE (its provider: the Cloudflare fake above). */
    delegationZone: string;
    /** The ARI endpoint in front of Pebble (the Worker's staging CA): POST /window {start, end}, GET /seen. */
    ariControlUrl: string;
    /** Control of the network between the Worker and Pebble (see test/support/ca-network-proxy.ts). */
    caNetworkUrl: string;
    /** The Worker's ACME_DIRECTORY_URL: Pebble's directory through that network. */
    workerDirectoryUrl: string;
    /** The deploy targets' fakes (test/support/deploy-fakes-server.ts): GET /state, POST /down {fake, on}. */
    deployControlUrl: string;
    /** Where the HTTPS push receiver listens (an http:// loopback URL, allowed because CERTDESK_ENV is "test"). */
    deployPushUrl: string;
  }
}

export function e2e() {
  return {
    workerUrl: inject("workerUrl"),
    pebbleDirectoryUrl: inject("pebbleDirectoryUrl"),
    pebbleManagementUrl: inject("pebbleManagementUrl"),
    challtestsrvUrl: inject("challtestsrvUrl"),
    harnessUrl: inject("harnessUrl"),
    dohUrl: inject("dohUrl"),
    adminToken: inject("adminToken"),
    runDir: inject("runDir"),
  };
}

async function post(url: string, body: unknown): Promise<Response> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${url} → ${response.status} ${await response.text()}`);
  return response;
}

/** Sets the TXT record challtestsrv serves for `name` (e.g. `_acme-challenge.a.certdesk.test`). */
export async function setTxt(name: string, value: string): Promise<void> {
  await post(`${inject("challtestsrvUrl")}/set-txt`, { host: fqdn(name), value });
}

/** Sets the CNAME challtestsrv serves at `name` (it follows it one level for every other query type). */
export async function setCname(name: string, target: string): Promise<void> {
  await post(`${inject("challtestsrvUrl")}/set-cname`, { host: fqdn(name), target: fqdn(target) });
}

export async function clearCname(name: string): Promise<void> {
  await post(`${inject("challtestsrvUrl")}/clear-cname`, { host: fqdn(name) });
}

export async function clearTxt(name: string): Promise<void> {
  await post(`${inject("challtestsrvUrl")}/clear-txt`, { host: fqdn(name) });
}

/**
 * Restarts the Worker's Pebble (new root, and it forgets every account and order) with
 * PEBBLE_WFE_NONCEREJECT = nonceReject percent, or Pebble's default (5). Disrupts other tests: prefer an extra Pebble.
 */
export async function restartPebble(nonceReject?: number): Promise<void> {
  await post(`${inject("harnessUrl")}/pebble/restart`, nonceReject === undefined ? {} : { nonceReject });
}

/** Stops the Worker's Pebble (the CA is down until restartPebble). */
export async function stopPebble(): Promise<void> {
  await post(`${inject("harnessUrl")}/pebble/stop`, {});
}

/** How many newOrder requests the Worker's Pebble has seen this run, and how much it has logged (one line per request). */
async function pebbleOrders(): Promise<{ count: number; logBytes: number }> {
  const response = await fetch(`${inject("harnessUrl")}/pebble/new-orders`);
  return (await response.json()) as { count: number; logBytes: number };
}

/** How many newOrder requests the Worker's Pebble has seen this run. */
export async function pebbleNewOrderCount(): Promise<number> {
  return (await pebbleOrders()).count;
}

/**
 * Waits until the Worker's Pebble has taken no request at all for a few seconds (renewals handed off by a sweep run
 * on their own), then returns its order count. Quiet means no request, not only no new order: the queue hands the
 * renewals over in batches of 10, one batch at a time, and a batch's last orders are still validated and finalized
 * (requests) when the next batch's first order comes, however slow the machine.
 */
export async function settledOrderCount(): Promise<number> {
  const QUIET_MS = 4000;
  const test = expect.getState().currentTestName;
  let last = await pebbleOrders();
  // A test's first count: Pebble's log only grows (one line per request), so the same size as at the end of the last
  // wait (an earlier test's) means it has been quiet ever since, and that quiet counts. A later count in the same test
  // waits afresh, as long as ever, so whatever the test's own requests set off has time to reach Pebble.
  const quietSinceLastWait =
    lastSettled !== undefined && lastSettled.test !== test && lastSettled.count === last.count && lastSettled.logBytes === last.logBytes;
  let stableSince = quietSinceLastWait ? lastSettled!.stableSince : Date.now();
  while (Date.now() - stableSince < QUIET_MS) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await pebbleOrders();
    if (now.count !== last.count || now.logBytes !== last.logBytes) {
      last = now;
      stableSince = Date.now();
    }
  }
  lastSettled = { ...last, stableSince, test };
  return last.count;
}

/** What the last settledOrderCount saw, and since when Pebble had been quiet then. */
let lastSettled: { count: number; logBytes: number; stableSince: number; test: string | undefined } | undefined;

export interface ExtraPebble {
  id: string;
  directoryUrl: string;
  managementUrl: string;
  /** Stops it (CA down); it can be restarted with restart(). */
  stop(): Promise<void>;
  restart(nonceReject?: number): Promise<void>;
  /** Stops and forgets it. */
  remove(): Promise<void>;
}

/**
 * A separate Pebble (same challtestsrv, same HTTP-01 port) for tests that restart or stop their CA.
 * `nonceReject`: PEBBLE_WFE_NONCEREJECT percent; `alternateRoots`: PEBBLE_ALTERNATE_ROOTS (0..3).
 */
export async function startExtraPebble(options: { nonceReject?: number; alternateRoots?: number } = {}): Promise<ExtraPebble> {
  const harness = inject("harnessUrl");
  const created = (await (await post(`${harness}/pebble/extra`, options)).json()) as {
    id: string;
    directoryUrl: string;
    managementUrl: string;
  };
  const base = `${harness}/pebble/extra/${created.id}`;
  return {
    ...created,
    stop: async () => void (await post(`${base}/stop`, {})),
    restart: async (reject?: number) => void (await post(`${base}/restart`, reject === undefined ? {} : { nonceReject: reject })),
    remove: async () => void (await fetch(base, { method: "DELETE" })),
  };
}

/** A Pebble's current root and intermediate (PEM); they change on every restart. */
export async function pebbleRoots(managementUrl = inject("pebbleManagementUrl")): Promise<{ root: string; intermediate: string }> {
  const base = managementUrl;
  // Bytes then UTF-8: workerd warns when .text() meets application/pem-certificate-chain.
  const pem = async (path: string) => new TextDecoder().decode(await (await fetch(`${base}${path}`)).arrayBuffer());
  const [root, intermediate] = await Promise.all([pem("/roots/0"), pem("/intermediates/0")]);
  return { root, intermediate };
}

/** Pebble's view of a certificate: { Status: "Valid" | "Revoked", Serial, Reason?, RevokedAt? }. serialHex without 0x. */
export async function pebbleCertStatus(
  serialHex: string,
  managementUrl = inject("pebbleManagementUrl"),
): Promise<{ Status: string; Serial: string; Reason?: number; RevokedAt?: string }> {
  const response = await fetch(`${managementUrl}/cert-status-by-serial/${serialHex}`);
  if (!response.ok) throw new Error(`cert-status-by-serial/${serialHex} → ${response.status}`);
  return response.json();
}

/** A fresh random name under certdesk.test (Pebble never reuses authorizations for it). */
export function randomName(prefix = "e2e"): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}.certdesk.test`;
}

function fqdn(name: string): string {
  return name.endsWith(".") ? name : `${name}.`;
}

/** One request of the Worker to its CA, as the network between them saw it. */
export interface CaNetworkRequest {
  kind: string;
  method: string;
  path: string;
  fault?: "before" | "after" | "refused";
}

/** Disturbs the network between the Worker and Pebble on purpose (test/support/ca-network-proxy.ts). */
export const caNetwork = {
  /** Resets the connection of the next `times` requests of `kind`: `before` Pebble sees them, or `after` it answered. */
  fault: async (kind: string, when: "before" | "after", times = 1) => void (await post(`${inject("caNetworkUrl")}/faults`, { kind, when, times })),
  /** Destroys every open connection, as a CA restart does to pooled keep-alive connections. */
  cut: async (): Promise<number> => ((await (await post(`${inject("caNetworkUrl")}/cut`, {})).json()) as { cut: number }).cut,
  /** Resets every new connection for `ms`: the CA is briefly unreachable. */
  refuse: async (ms: number) => void (await post(`${inject("caNetworkUrl")}/refuse`, { ms })),
  /** No faults, and a fresh request log. */
  clear: async () => void (await post(`${inject("caNetworkUrl")}/clear`, {})),
  /** Every request since the last clear. */
  log: async (): Promise<CaNetworkRequest[]> => ((await (await fetch(`${inject("caNetworkUrl")}/log`)).json()) as { requests: CaNetworkRequest[] }).requests,
};
