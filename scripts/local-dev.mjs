/** What `npm start` and `npm run start:pebble` share: local secrets, migrations and `wrangler dev` on the same local state. */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");

/** wrangler dev's own default port. */
export const DEFAULT_PORT = 8787;

/** Creates .dev.vars from .dev.vars.example on first run. */
export function ensureDevVars() {
  if (existsSync(join(ROOT, ".dev.vars"))) return;
  copyFileSync(join(ROOT, ".dev.vars.example"), join(ROOT, ".dev.vars"));
  console.log("Created .dev.vars from .dev.vars.example (local-only secrets; ADMIN_TOKEN=local-admin-token).");
}

/** The value of `--name value` or `--name=value` in `args`, or undefined. */
export function optionValue(args, name) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) return args[i + 1];
    if (args[i].startsWith(`${name}=`)) return args[i].slice(name.length + 1);
  }
  return undefined;
}

/** Applies migrations/ to the local D1 that `wrangler dev <args>` will use; returns the exit code. */
export function applyLocalMigrations(args) {
  // Same --persist-to as wrangler dev, so the migrated database is the one it serves.
  const persistTo = optionValue(args, "--persist-to");
  const persist = persistTo ? ["--persist-to", persistTo] : [];
  const migrate = spawnSync(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", ...persist], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CI: "true" },
  });
  return migrate.status ?? 1;
}

/**
 * Marks the run as local development, so the Worker accepts the committed secrets of .dev.vars.example: also for a
 * .dev.vars copied before CERTDESK_ENV existed. A local run publishes no DNS, so a project's domain is the team's at
 * once (DOMAIN_VERIFICATION=off; `npm start -- --var DOMAIN_VERIFICATION:required` tries verification). Before the
 * user's arguments, so their own --var still wins.
 */
const DEVELOPMENT = ["--var", "CERTDESK_ENV:development", "--var", "DOMAIN_VERIFICATION:off"];

/** `wrangler dev --local <args>` in the foreground, SIGINT/SIGTERM passed on; resolves with its exit code. */
export function runWranglerDev(args, env = process.env) {
  const dev = spawn(WRANGLER, ["dev", "--local", ...DEVELOPMENT, ...args], { cwd: ROOT, stdio: "inherit", env });
  const forward = (signal) => dev.kill(signal);
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, forward);
  const stopWatching = whenParentExits(() => forward("SIGTERM"));
  return new Promise((resolve) => {
    dev.on("exit", (code) => {
      stopWatching();
      resolve(code ?? 0);
    });
    dev.on("error", (error) => {
      console.error(`wrangler: ${error.message}`);
      resolve(1);
    });
  });
}

/**
 * npm runs scripts under `sh -c`, which dies of a SIGTERM sent to npm without passing it on: losing the parent
 * then counts as SIGTERM, so wrangler (and what the caller started) does not live on as an orphan.
 */
function whenParentExits(callback) {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    callback();
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
}
