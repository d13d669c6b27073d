/**
 * The whole e2e environment: challtestsrv + Pebble, `wrangler dev` of this Worker (Pebble's HTTP-01 port),
 * and the harness server. Used by test/support/e2e-global-setup.ts and by `node scripts/pebble/run.mjs`.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { findPebbleBinaries, PEBBLE_MISSING_MESSAGE } from "./binaries.mjs";
import { startHarnessServer } from "./harness-server.mjs";
import { PebbleStack } from "./pebble-stack.mjs";
import { freeTcpPorts } from "./ports.mjs";
import { stopAll } from "./processes.mjs";
import { ensureTestCa, PEBBLE_TMP, testCaPaths } from "./test-ca.mjs";
import { applyMigrations, startWranglerDev, stopWranglerDev } from "./wrangler-dev.mjs";

const STALE_RUN_MS = 6 * 3600_000;

/**
 * Starts everything. Throws (after stopping what it started) with a clear message when something is missing.
 * `workerPort` fixes the Worker's port (Pebble's HTTP-01 port) for a Worker started elsewhere (`npm run start:pebble`),
 * `fixedPorts` challtestsrv's and the main Pebble's (local-ports.mjs), and `runDir` where configs and logs go (a new
 * directory under .tmp/pebble otherwise); the tests give none of them.
 * @param {{ wrangler?: boolean, log?: (line: string) => void, issuanceWaitSeconds?: number, extraVars?: Record<string, string>, workerPort?: number, fixedPorts?: object, runDir?: string }} options
 */
export async function startE2eEnvironment({ wrangler = true, log = (line) => console.log(`[e2e] ${line}`), issuanceWaitSeconds = 20, extraVars = {}, workerPort: fixedWorkerPort, fixedPorts, runDir: fixedRunDir } = {}) {
  const binaries = findPebbleBinaries();
  if (!binaries) throw new Error(PEBBLE_MISSING_MESSAGE);
  const ca = testCaPaths();
  if (process.env.NODE_EXTRA_CA_CERTS !== ca.caCert) {
    throw new Error(
      `NODE_EXTRA_CA_CERTS must be ${ca.caCert} in this process's environment so workerd trusts Pebble's HTTPS certificate: run the tests with \`npm test\` (node scripts/test.mjs)`,
    );
  }
  ensureTestCa();
  pruneStaleRuns();
  const runDir = fixedRunDir ?? join(PEBBLE_TMP, `run-${process.pid}-${randomBytes(3).toString("hex")}`);
  mkdirSync(runDir, { recursive: true });

  const [freePort, inspectorPort] = await freeTcpPorts(2);
  const workerPort = fixedWorkerPort ?? freePort;
  const stack = new PebbleStack({ runDir, ca, httpPort: workerPort, binaries, fixedPorts });
  let harness;
  let worker;
  const stop = async () => {
    await harness?.close().catch(() => {});
    await stopWranglerDev(worker).catch(() => {});
    await stack.stop().catch(() => {});
    await stopAll();
    rmSync(join(runDir, "state"), { recursive: true, force: true });
  };

  const persistTo = join(runDir, "state");
  const debugLog = join(runDir, "wrangler-debug.log");
  try {
    // The local D1's migrations (a wrangler process of their own) need nothing of Pebble's: both start at once.
    const [started, migrated] = await Promise.allSettled([stack.start(), wrangler ? applyMigrations({ persistTo, debugLog }) : undefined]);
    for (const step of [started, migrated]) if (step.status === "rejected") throw step.reason;
    log(`pebble ${stack.main.directoryUrl} (management ${stack.main.managementUrl}), challtestsrv ${stack.challtestsrvUrl}, dns ${stack.dnsServer}; logs in ${runDir}`);
    harness = await startHarnessServer({ stack, log });
    const adminToken = `e2e-admin-${randomBytes(16).toString("hex")}`;
    const values = {
      workerUrl: `http://127.0.0.1:${workerPort}`,
      pebbleDirectoryUrl: stack.main.directoryUrl,
      pebbleManagementUrl: stack.main.managementUrl,
      challtestsrvUrl: stack.challtestsrvUrl,
      harnessUrl: harness.url,
      dohUrl: `${harness.url}/dns-query`,
      adminToken,
      runDir,
    };
    if (wrangler) {
      const wranglerLog = join(runDir, "wrangler.log");
      worker = await startWranglerDev({
        port: workerPort,
        inspectorPort,
        persistTo,
        logFile: wranglerLog,
        debugLog,
        vars: {
          ADMIN_TOKEN: adminToken,
          ENCRYPTION_KEY: randomBytes(32).toString("base64"),
          ACME_DIRECTORY_URL: stack.main.directoryUrl,
          ACME_STAGING_DIRECTORY_URL: stack.main.directoryUrl,
          DOH_RESOLVER_URL: values.dohUrl,
          ISSUANCE_WAIT_SECONDS: String(issuanceWaitSeconds),
          ...extraVars,
        },
      });
      log(`worker ${values.workerUrl} (wrangler log ${wranglerLog})`);
    }
    return { values, stack, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function pruneStaleRuns() {
  let entries = [];
  try {
    entries = readdirSync(PEBBLE_TMP);
  } catch {
    return;
  }
  for (const name of entries) {
    if (!/^(run-|ca-old-)/.test(name)) continue;
    const path = join(PEBBLE_TMP, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_RUN_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // raced with another run
    }
  }
}
