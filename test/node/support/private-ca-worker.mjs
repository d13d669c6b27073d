/**
 * A `wrangler dev` of this Worker with a migrated local D1 (fresh per call, throwaway secrets) for Node-side tests
 * that judge what it serves with real tools (openssl, Node's TLS). Returns { url, adminToken, runDir, caCert?, stop }.
 * With `https` it serves the test CA's localhost certificate (scripts/pebble/test-ca.mjs), and `caCert` is that CA.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freeTcpPorts } from "../../../scripts/pebble/ports.mjs";
import { ensureTestCa, REPO_ROOT } from "../../../scripts/pebble/test-ca.mjs";
import { applyMigrations, startWranglerDev, stopWranglerDev } from "../../../scripts/pebble/wrangler-dev.mjs";

/** Lines of the Worker's log printed when something failed: enough for `handleError`'s line and what led to it. */
const TAIL_LINES = 80;
/** Room for wrangler's one-runtime-per-migration apply on a loaded 2-core machine (two parallel runs plus busy loops saw 10 of 14 applied in 200 s). */
export const MIGRATIONS_TIMEOUT_MS = 360_000;
/** wrangler dev's own start, after the migrations. */
export const START_TIMEOUT_MS = 120_000;

/** Says on stderr where the run's logs stay and prints the end of the Worker's own, so a CI log shows the cause. */
function reportLogs(runDir, why) {
  const log = join(runDir, "wrangler.log");
  const tail = existsSync(log) ? readFileSync(log, "utf8").trimEnd().split("\n").slice(-TAIL_LINES).join("\n") : "(no log written)";
  console.error(`${why}: the Worker's logs stay in ${runDir}; the last ${TAIL_LINES} lines of ${log}:\n${tail}`);
}

/**
 * The test CA, which this process must trust for its own requests to an HTTPS Worker: Node reads
 * NODE_EXTRA_CA_CERTS only at start, so `npm test` (scripts/test.mjs) sets it before vitest starts.
 */
function trustedTestCa() {
  const ca = ensureTestCa();
  if (process.env.NODE_EXTRA_CA_CERTS !== ca.caCert) {
    throw new Error(`an HTTPS Worker needs NODE_EXTRA_CA_CERTS=${ca.caCert} in this process's environment: run the tests with \`npm test\` (node scripts/test.mjs)`);
  }
  return ca;
}

/** `vars` adds to (or overrides) the Worker's variables, e.g. DOH_RESOLVER_URL; `inspect` opens wrangler's inspector (a profiler's). */
export async function startWorker(name, { https = false, vars = {}, inspect = false } = {}) {
  const ca = https ? trustedTestCa() : undefined;
  const runDir = join(REPO_ROOT, ".tmp", name, `run-${process.pid}-${randomBytes(3).toString("hex")}`);
  mkdirSync(runDir, { recursive: true });
  const persistTo = join(runDir, "state");
  const debugLog = join(runDir, "wrangler-debug.log");
  const [port, inspectorPort] = await freeTcpPorts(2);
  const adminToken = randomBytes(16).toString("hex");
  let worker;
  try {
    await applyMigrations({ persistTo, debugLog, timeoutMs: MIGRATIONS_TIMEOUT_MS });
    worker = await startWranglerDev({
      port,
      inspectorPort,
      persistTo,
      logFile: join(runDir, "wrangler.log"),
      debugLog,
      vars: { CERTDESK_ENV: "test", ADMIN_TOKEN: adminToken, ENCRYPTION_KEY: randomBytes(32).toString("base64"), ...vars },
      portMayMove: true,
      inspect,
      ...(ca ? { https: { cert: ca.cert, key: ca.key, caCert: ca.caCert } } : {}),
      timeoutMs: START_TIMEOUT_MS,
    });
  } catch (error) {
    reportLogs(runDir, "the Worker did not start");
    throw error;
  }
  return {
    url: worker.url,
    /** With `inspect`: wrangler dev's inspector (Chrome DevTools Protocol) of the Worker's isolate, which bench/acme-orders/profile.mjs reads. */
    inspectorPort: worker.inspectorPort,
    adminToken,
    runDir,
    ...(ca ? { caCert: ca.caCert } : {}),
    /** Stops the Worker; its run directory (logs, local state, files written there) stays only when `keepLogs` (something failed). */
    async stop(keepLogs = false) {
      await stopWranglerDev(worker);
      if (keepLogs) reportLogs(runDir, "a test or its setup failed");
      else rmSync(runDir, { recursive: true, force: true });
    },
  };
}
