/**
 * vitest globalSetup of the browser project (runs in Node): checks for chromium and Pebble, then starts
 * pebble-challtestsrv and Pebble (scripts/pebble, as the e2e project does; the console's obtain flow orders over HTTP-01
 * from it) and a `wrangler dev` of this Worker on a free port with a fresh local state, provides its URL and admin
 * token to the tests, and stops them afterwards.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { findPebbleBinaries, PEBBLE_MISSING_MESSAGE } from "../../scripts/pebble/binaries.mjs";
import { PebbleStack } from "../../scripts/pebble/pebble-stack.mjs";
import { freeTcpPorts } from "../../scripts/pebble/ports.mjs";
import { ensureTestCa, REPO_ROOT } from "../../scripts/pebble/test-ca.mjs";
import { applyMigrations, startWranglerDev, stopWranglerDev } from "../../scripts/pebble/wrangler-dev.mjs";
import { handleDnsFake } from "../support/dns-fakes/unit-host.mjs";
import { CHROMIUM_MISSING_MESSAGE, findChromium } from "./chromium.mjs";

const BROWSER_TMP = join(REPO_ROOT, ".tmp", "browser");
const STALE_RUN_MS = 6 * 3600_000;

/** @param {import("vitest/node").TestProject} project */
export default async function setup(project) {
  const chromium = findChromium();
  if (!chromium) throw new Error(CHROMIUM_MISSING_MESSAGE);
  const binaries = findPebbleBinaries();
  if (!binaries) throw new Error(PEBBLE_MISSING_MESSAGE);
  const ca = ensureTestCa();
  pruneStaleRuns();
  const runDir = join(BROWSER_TMP, `run-${process.pid}-${randomBytes(3).toString("hex")}`);
  const persistTo = join(runDir, "state");
  mkdirSync(runDir, { recursive: true });
  const [port, inspectorPort] = await freeTcpPorts(2);
  // The Cloudflare API fake of the unit tests, served over HTTP for this wrangler dev: a DNS connection's check lists zones.
  const dnsFake = await serveDnsFake();
  const adminToken = `browser-admin-${randomBytes(16).toString("hex")}`;
  const debugLog = join(runDir, "wrangler-debug.log");
  // Pebble sends its HTTP-01 requests to the Worker's port, so that port is fixed before Pebble starts (and may not
  // move). Pebble and the migrations need nothing of each other: they start at once, as in the e2e environment.
  const pebble = new PebbleStack({ runDir, ca, httpPort: port, binaries });
  const [started, migrated] = await Promise.allSettled([pebble.start(), applyMigrations({ persistTo, debugLog })]);
  for (const step of [started, migrated]) {
    if (step.status === "rejected") {
      await pebble.stop().catch(() => {});
      dnsFake.server.close();
      throw step.reason;
    }
  }
  // A start that fails aborts the run; processes.mjs kills what it spawned when vitest exits. (Not stopAll() here:
  // it would also stop the e2e project's processes, started in this same process.)
  const worker = await withTestCaTrusted(ca, () => startWranglerDev({
    port,
    inspectorPort,
    persistTo,
    logFile: join(runDir, "wrangler.log"),
    debugLog,
    vars: {
      ADMIN_TOKEN: adminToken,
      ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      CERTDESK_ENV: "test",
      DNS_API_BASE_URLS: JSON.stringify({ cloudflare: dnsFake.origin }),
      // The webhooks view's test event goes to a receiver the test runs on 127.0.0.1 (as in the e2e run); a test-only
      // variable, honoured outside production only (services/webhooks/endpoint-url.ts).
      ALLOW_PRIVATE_WEBHOOK_TARGETS: "true",
      ACME_DIRECTORY_URL: pebble.main.directoryUrl,
      ACME_STAGING_DIRECTORY_URL: pebble.main.directoryUrl,
      // No wait: an obtain answers 202 at once (the order goes on in its Durable Object), so what the console-flow test
      // sees finish is the page following the order on the status route, however fast Pebble is.
      ISSUANCE_WAIT_SECONDS: "0",
    },
  })).catch(async (error) => {
    await pebble.stop().catch(() => {});
    dnsFake.server.close();
    throw error;
  });
  console.log(`[browser] worker http://127.0.0.1:${worker.port} (logs in ${runDir})`);
  project.provide("browserWorkerUrl", `http://127.0.0.1:${worker.port}`);
  project.provide("browserAdminToken", adminToken);
  project.provide("chromiumPath", chromium);
  return async function teardown() {
    await stopWranglerDev(worker).catch(() => {});
    await pebble.stop().catch(() => {});
    dnsFake.server.close();
    rmSync(persistTo, { recursive: true, force: true });
  };
}

/**
 * Runs start (the Worker's start) with the test CA, Pebble's HTTPS issuer, in NODE_EXTRA_CA_CERTS: workerd trusts the
 * certificates that file names, and wrangler-dev.mjs passes this process's environment on to the `wrangler dev` it
 * spawns. `npm test` (scripts/test.mjs) sets it already; otherwise it is set for that spawn only and restored, so
 * nothing else this vitest process starts sees a change.
 */
async function withTestCaTrusted(ca, start) {
  const previous = process.env.NODE_EXTRA_CA_CERTS;
  process.env.NODE_EXTRA_CA_CERTS = ca.caCert;
  try {
    return await start();
  } finally {
    if (previous === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = previous;
  }
}

/** handleDnsFake (a fetch handler) behind a Node HTTP server on a free loopback port. */
async function serveDnsFake() {
  const server = createServer(async (req, res) => {
    const answer = await handleDnsFake(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers }));
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { server, origin: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}` };
}

/** The logs of runs older than a few hours (a run removes its own state, and keeps its logs for a look afterwards). */
function pruneStaleRuns() {
  let entries = [];
  try {
    entries = readdirSync(BROWSER_TMP);
  } catch {
    return;
  }
  for (const name of entries.filter((entry) => entry.startsWith("run-"))) {
    const path = join(BROWSER_TMP, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_RUN_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // raced with another run
    }
  }
}
