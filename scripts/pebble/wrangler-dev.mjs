/** `wrangler dev` of this Worker for the e2e tests: local D1 (migrated), KV and Durable Objects under a per-run directory. */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "./test-ca.mjs";
import { spawnLogged, stopProcess, waitForHttp } from "./processes.mjs";

const run = promisify(execFile);
const WRANGLER = join(REPO_ROOT, "node_modules", ".bin", "wrangler");

function wranglerEnv(extra = {}) {
  // NODE_EXTRA_CA_CERTS comes from the parent (scripts/test.mjs), so workerd trusts Pebble's HTTPS certificate.
  return { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1", FORCE_COLOR: "0", ...extra };
}

/** Applies migrations/ to the local D1 under `persistTo`. */
export async function applyMigrations({ persistTo, debugLog }) {
  try {
    await run(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], {
      cwd: REPO_ROOT,
      env: wranglerEnv({ WRANGLER_LOG_PATH: debugLog }),
      timeout: 120_000,
    });
  } catch (error) {
    throw new Error(`wrangler d1 migrations apply failed: ${error.stderr || error.stdout || error.message}`);
  }
}

/**
 * Starts `wrangler dev` on 127.0.0.1:`port` with `vars` (name → value, secrets included) and waits until it answers.
 * Returns the process handle (stop it with stopWranglerDev).
 */
export async function startWranglerDev({ port, inspectorPort, persistTo, vars, logFile, debugLog, timeoutMs = 120_000 }) {
  const args = [
    "dev",
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--inspector-port", String(inspectorPort),
    "--local",
    "--persist-to", persistTo,
    "--show-interactive-dev-session=false",
    "--test-scheduled",
    "--log-level", "info",
  ];
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  const handle = spawnLogged("wrangler dev", WRANGLER, args, { cwd: REPO_ROOT, env: wranglerEnv({ WRANGLER_LOG_PATH: debugLog }), logFile });
  await waitForHttp(`http://127.0.0.1:${port}/`, { handle, timeoutMs });
  return handle;
}

export function stopWranglerDev(handle) {
  return stopProcess(handle, 8000);
}
