/** `wrangler dev` of this Worker for the e2e tests: local D1 (migrated), KV and Durable Objects under a per-run directory. */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { freeTcpPorts } from "./ports.mjs";
import { withMigratedState } from "./migrated-state.mjs";
import { promisify } from "node:util";
import { REPO_ROOT } from "./test-ca.mjs";
import { spawnLogged, stopProcess, waitForHttp } from "./processes.mjs";

const run = promisify(execFile);
const WRANGLER = join(REPO_ROOT, "node_modules", ".bin", "wrangler");
const LAUNCHER = join(REPO_ROOT, "scripts", "pebble", "worker-launcher.mjs");

function wranglerEnv(extra = {}) {
  // NODE_EXTRA_CA_CERTS comes from the parent (scripts/test.mjs), so workerd trusts Pebble's HTTPS certificate.
  return { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1", FORCE_COLOR: "0", ...extra };
}

/**
 * Applies migrations/ to the local D1 under `persistTo`, or throws. wrangler applies them one at a time, each in a
 * local runtime of its own: on a loaded machine that takes minutes (about 10 s a migration seen on 2 busy cores).
 */
export async function applyMigrations({ persistTo, debugLog, timeoutMs = 120_000, reuse = true }) {
  if (!reuse) return applyWithWrangler({ persistTo, debugLog, timeoutMs });
  return withMigratedState({ persistTo, timeoutMs, apply: (dir) => applyWithWrangler({ persistTo: dir, debugLog, timeoutMs }) });
}

async function applyWithWrangler({ persistTo, debugLog, timeoutMs }) {
  const applying = run(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], {
    cwd: REPO_ROOT,
    env: wranglerEnv({ WRANGLER_LOG_PATH: debugLog }),
    timeout: timeoutMs,
  });
  try {
    await applying;
  } catch (error) {
    throw new Error(`wrangler d1 migrations apply failed: ${error.stderr || error.stdout || error.message}`);
  }
  // The timeout's SIGTERM reaches wrangler's launcher (bin/wrangler.js), which passes it to its CLI process and then
  // exits 0 when that one dies of it: a run cut short looks like a success, and the Worker would start on a database
  // holding only the first migrations (every route on a later table a 500). So the kill itself decides.
  if (applying.child.killed) {
    throw new Error(`wrangler d1 migrations apply did not finish within ${timeoutMs} ms (killed; the database is partly migrated); see ${debugLog}`);
  }
}

/** What every test run's Worker gets unless its caller's `vars` says otherwise. */
const TEST_RUN_VARS = { DOMAIN_VERIFICATION: "off" };

/**
 * Starts `wrangler dev` on 127.0.0.1:`port` with `vars` (name → value, secrets included) and waits until it answers.
 * Returns the process handle (stop it with stopWranglerDev), with the `port` it listens on and its `url`.
 *
 * With `https` ({ cert, key, caCert }: PEM file paths) it listens over TLS (`--local-protocol https`) with that
 * certificate instead of wrangler's self-signed one, so clients can trust it through the CA that issued it (`caCert`,
 * which the readiness check trusts too).
 *
 * Ready means wrangler itself said "Ready on" that address: an answer on the port alone could come from another
 * process that took the port between freeTcpPorts and this start (several suites on one machine), and then the tests
 * would talk to someone else's Worker. When wrangler finds a port taken, the inspector port is chosen again, and so is
 * `port` when `portMayMove` (a caller whose port nothing else has been told yet); otherwise the start fails, saying so.
 */
export async function startWranglerDev({ port, inspectorPort, persistTo, vars, logFile, debugLog, timeoutMs = 120_000, portMayMove = false, https, inspect = false }) {
  for (let attempt = 1; ; attempt++) {
    const handle = await startOnce({ port, inspectorPort, persistTo, vars, logFile, debugLog, timeoutMs, https, inspect });
    if (handle.exitCode === undefined) return Object.assign(handle, { port, inspectorPort, url: originOf(port, https) });
    const taken = Number(/Address already in use \(127\.0\.0\.1:(\d+)\)/.exec(handle.startLog)?.[1]);
    const canMove = taken === inspectorPort || (taken === port && portMayMove);
    if (!canMove || attempt >= 3) {
      const why = taken ? `port ${taken} was taken` : "it exited";
      throw new Error(`wrangler dev did not start (${why}, attempt ${attempt}); see ${logFile}`);
    }
    const [freshPort, freshInspector] = await freeTcpPorts(2);
    if (taken === port) port = freshPort;
    inspectorPort = freshInspector;
  }
}

const originOf = (port, https) => `${https ? "https" : "http"}://127.0.0.1:${port}`;

/** One start: resolves once wrangler said it is ready on `port` and the port answers, or once it exited (startLog says why). */
async function startOnce({ port, inspectorPort, persistTo, vars, logFile, debugLog, timeoutMs, https, inspect }) {
  // Without `inspect`: wrangler dev as the CLI runs it (local, scheduled route on, info logs), but with the inspector
  // off and no file watching (worker-launcher.mjs says why). With it: the CLI itself, its inspector on `inspectorPort`
  // (a profiler attaches there).
  const tls = https ? ["--https-cert-path", https.cert, "--https-key-path", https.key] : [];
  const common = ["--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistTo];
  const [command, args] = inspect
    ? [WRANGLER, ["dev", ...common, "--inspector-port", String(inspectorPort), "--local", "--show-interactive-dev-session=false", "--test-scheduled", "--log-level", "info", ...(https ? ["--local-protocol", "https"] : []), ...tls]]
    : [process.execPath, [LAUNCHER, ...common, ...tls]];
  // Test runs publish no TXT records: a project's domain is the team's at once (DOMAIN_VERIFICATION=off), unless `vars` says otherwise.
  for (const [name, value] of Object.entries({ ...TEST_RUN_VARS, ...vars })) args.push("--var", `${name}:${value}`);
  const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
  const handle = spawnLogged("wrangler dev", command, args, { cwd: REPO_ROOT, env: wranglerEnv({ WRANGLER_LOG_PATH: debugLog }), logFile });
  const ownLog = () => readFileSync(logFile).subarray(logStart).toString("utf8");
  const deadline = Date.now() + timeoutMs;
  const origin = originOf(port, https);
  while (!ownLog().includes(`Ready on ${origin}`)) {
    if (handle.exitCode !== undefined) {
      // Its esbuild service may outlive it: end the whole group before another attempt.
      await stopProcess(handle);
      return Object.assign(handle, { startLog: ownLog() });
    }
    if (Date.now() > deadline) {
      await stopProcess(handle);
      throw new Error(`wrangler dev did not say it was ready within ${timeoutMs} ms; see ${logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const ca = https ? readFileSync(https.caCert) : undefined;
  await waitForHttp(`${origin}/`, { handle, ca, timeoutMs: Math.max(1000, deadline - Date.now()) });
  return handle;
}

export function stopWranglerDev(handle) {
  return stopProcess(handle, 8000);
}
