/**
 * `/openapi.json` exactly as the Worker serves it: a `wrangler dev` of this Worker (scripts/pebble/wrangler-dev.mjs,
 * as the e2e and browser tests start it) on a free port with a fresh local state and throwaway secrets, asked once,
 * then stopped.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freeTcpPorts } from "../../../scripts/pebble/ports.mjs";
import { REPO_ROOT } from "../../../scripts/pebble/test-ca.mjs";
import { startWranglerDev, stopWranglerDev } from "../../../scripts/pebble/wrangler-dev.mjs";

export async function fetchServedDocument(path = "/openapi.json") {
  const runDir = join(REPO_ROOT, ".tmp", "node-openapi", `run-${process.pid}-${randomBytes(3).toString("hex")}`);
  mkdirSync(runDir, { recursive: true });
  const [port, inspectorPort] = await freeTcpPorts(2);
  let worker;
  let served = false;
  try {
    worker = await startWranglerDev({
      port,
      inspectorPort,
      persistTo: join(runDir, "state"),
      logFile: join(runDir, "wrangler.log"),
      debugLog: join(runDir, "wrangler-debug.log"),
      vars: { CERTDESK_ENV: "test", ADMIN_TOKEN: randomBytes(16).toString("hex"), ENCRYPTION_KEY: randomBytes(32).toString("base64") },
      portMayMove: true,
    });
    const response = await fetch(`http://127.0.0.1:${worker.port}${path}`);
    const text = await response.text();
    if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status} (logs in ${runDir}): ${text.slice(0, 500)}`);
    served = true;
    return text;
  } finally {
    if (worker) await stopWranglerDev(worker);
    // wrangler's logs stay only when something went wrong.
    rmSync(served ? runDir : join(runDir, "state"), { recursive: true, force: true });
  }
}
