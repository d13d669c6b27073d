/**
 * `wrangler dev` of a copy of the Worker taken when the run starts. wrangler dev watches its sources and reloads the
 * Worker on every change (it has no flag to stop that), and a reload drops what the local queue holds in memory: with
 * other work editing src/ during a run of many minutes, the consumer would lose messages mid-drain. The copy
 * (src/, migrations/, wrangler.toml, tsconfig.json, and .dev.vars as `npm start` makes it) lives under the run's
 * directory inside the repository, so its imports still resolve to the repository's node_modules; every run measures
 * one version of the code throughout.
 */
import { copyFileSync, cpSync, existsSync } from "node:fs";
import { join } from "node:path";
import { capture, freeTcpPorts, spawnLogged, waitForHttp, REPO_ROOT } from "../lib.mjs";

const WRANGLER = join(REPO_ROOT, "node_modules", ".bin", "wrangler");

/** Copies the Worker's sources into `<dir>/worker`; returns that directory. */
export function snapshotWorker(dir) {
  const root = join(dir, "worker");
  for (const path of ["src", "migrations", "wrangler.toml", "tsconfig.json"]) cpSync(join(REPO_ROOT, path), join(root, path), { recursive: true });
  // The local secrets `npm start` uses (scripts/local-dev.mjs creates .dev.vars from the example on first run).
  const devVars = existsSync(join(REPO_ROOT, ".dev.vars")) ? ".dev.vars" : ".dev.vars.example";
  copyFileSync(join(REPO_ROOT, devVars), join(root, ".dev.vars"));
  return root;
}

/** `wrangler d1 migrations apply DB --local` of the copy's migrations to the D1 under `persistTo`. */
export function applyMigrations(root, persistTo) {
  return capture(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo, "--config", join(root, "wrangler.toml")], { timeoutMs: 600_000 });
}

/**
 * The copy under `wrangler dev --local` on 127.0.0.1 (a free port unless `port`), its state under `persistTo`.
 * `development`: as `npm start` runs it (CERTDESK_ENV=development, the .dev.vars secrets); otherwise as the e2e
 * environment runs it (scripts/pebble/wrangler-dev.mjs: --test-scheduled, secrets in `vars`), at the default log level.
 * Returns { handle, url, pgid }.
 */
export async function startWorker({ root, persistTo, logFile, port, vars = {}, development = true, env = process.env }) {
  const [freePort, inspectorPort] = await freeTcpPorts(2);
  const listen = port ?? freePort;
  const args = [
    "dev", "--config", join(root, "wrangler.toml"), "--local",
    "--ip", "127.0.0.1", "--port", String(listen), "--inspector-port", String(inspectorPort),
    "--persist-to", persistTo, "--show-interactive-dev-session=false",
    // The e2e environment adds --log-level info, which hides the Worker's console.log (the consumer's tallies): not here.
    ...(development ? ["--var", "CERTDESK_ENV:development"] : ["--test-scheduled"]),
    // As every local and test run: no TXT records to publish (docs/customer-domains.md).
    "--var", "DOMAIN_VERIFICATION:off",
  ];
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  const handle = spawnLogged("wrangler dev (copy)", WRANGLER, args, {
    cwd: root,
    env: { ...env, CI: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
    logFile,
  });
  await waitForHttp(`http://127.0.0.1:${listen}/`, { handle, timeoutMs: 180_000 });
  return { handle, url: `http://127.0.0.1:${listen}`, pgid: handle.child.pid };
}
