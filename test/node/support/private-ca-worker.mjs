/**
 * A `wrangler dev` of this Worker with a migrated local D1 (fresh per call, throwaway secrets) for Node-side tests
 * that judge what it serves with real tools (openssl, Node's TLS). Returns { url, adminToken, stop }.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freeTcpPorts } from "../../../scripts/pebble/ports.mjs";
import { REPO_ROOT } from "../../../scripts/pebble/test-ca.mjs";
import { applyMigrations, startWranglerDev, stopWranglerDev } from "../../../scripts/pebble/wrangler-dev.mjs";

export async function startWorker(name) {
  const runDir = join(REPO_ROOT, ".tmp", name, `run-${process.pid}-${randomBytes(3).toString("hex")}`);
  mkdirSync(runDir, { recursive: true });
  const persistTo = join(runDir, "state");
  const debugLog = join(runDir, "wrangler-debug.log");
  const [port, inspectorPort] = await freeTcpPorts(2);
  const adminToken = randomBytes(16).toString("hex");
  await applyMigrations({ persistTo, debugLog });
  const worker = await startWranglerDev({
    port,
    inspectorPort,
    persistTo,
    logFile: join(runDir, "wrangler.log"),
    debugLog,
    vars: { CERTDESK_ENV: "test", ADMIN_TOKEN: adminToken, ENCRYPTION_KEY: randomBytes(32).toString("base64") },
    portMayMove: true,
  });
  return {
    url: `http://127.0.0.1:${worker.port}`,
    adminToken,
    runDir,
    /** Stops the Worker; its logs stay only when `keepLogs` (a test failed). */
    async stop(keepLogs = false) {
      await stopWranglerDev(worker);
      rmSync(keepLogs ? persistTo : runDir, { recursive: true, force: true });
    },
  };
}
