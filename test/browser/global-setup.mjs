/**
 * vitest globalSetup of the browser project (runs in Node): checks for chromium, then starts a `wrangler dev` of this
 * Worker on a free port with a fresh local state (no CA: the dashboard tests upload their certificates), provides its
 * URL and admin token to the tests, and stops it afterwards.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { freeTcpPorts } from "../../scripts/pebble/ports.mjs";
import { REPO_ROOT } from "../../scripts/pebble/test-ca.mjs";
import { applyMigrations, startWranglerDev, stopWranglerDev } from "../../scripts/pebble/wrangler-dev.mjs";
import { handleDnsFake } from "../support/dns-fakes/unit-host.mjs";
import { CHROMIUM_MISSING_MESSAGE, findChromium } from "./chromium.mjs";

const BROWSER_TMP = join(REPO_ROOT, ".tmp", "browser");
const STALE_RUN_MS = 6 * 3600_000;

/** @param {import("vitest/node").TestProject} project */
export default async function setup(project) {
  const chromium = findChromium();
  if (!chromium) throw new Error(CHROMIUM_MISSING_MESSAGE);
  pruneStaleRuns();
  const runDir = join(BROWSER_TMP, `run-${process.pid}-${randomBytes(3).toString("hex")}`);
  const persistTo = join(runDir, "state");
  mkdirSync(runDir, { recursive: true });
  const [port, inspectorPort] = await freeTcpPorts(2);
  // The Cloudflare API fake of the unit tests, served over HTTP for this wrangler dev: a DNS connection's check lists zones.
  const dnsFake = await serveDnsFake();
  const adminToken = `browser-admin-${randomBytes(16).toString("hex")}`;
  const debugLog = join(runDir, "wrangler-debug.log");
  await applyMigrations({ persistTo, debugLog });
  // A start that fails aborts the run; processes.mjs kills what it spawned when vitest exits. (Not stopAll() here:
  // it would also stop the e2e project's processes, started in this same process.)
  const worker = await startWranglerDev({
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
    },
    portMayMove: true,
  });
  console.log(`[browser] worker http://127.0.0.1:${worker.port} (logs in ${runDir})`);
  project.provide("browserWorkerUrl", `http://127.0.0.1:${worker.port}`);
  project.provide("browserAdminToken", adminToken);
  project.provide("chromiumPath", chromium);
  return async function teardown() {
    await stopWranglerDev(worker).catch(() => {});
    dnsFake.server.close();
    rmSync(persistTo, { recursive: true, force: true });
  };
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
