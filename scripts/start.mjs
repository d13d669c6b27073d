#!/usr/bin/env node
// `npm start`: the API locally on its embedded default — local D1, KV and Durable Objects,
// migrations applied, local secrets from .dev.vars (created from .dev.vars.example on first run).
// Extra arguments go to `wrangler dev`, e.g. `npm start -- --port 5002 --var ACME_DIRECTORY_URL:https://localhost:14000/dir`.
import { spawnSync, spawn } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const wrangler = join(root, "node_modules", ".bin", "wrangler");
const args = process.argv.slice(2);

if (!existsSync(join(root, ".dev.vars"))) {
  copyFileSync(join(root, ".dev.vars.example"), join(root, ".dev.vars"));
  console.log("Created .dev.vars from .dev.vars.example (local-only secrets; ADMIN_TOKEN=local-admin-token).");
}

// Migrations go to the same local state wrangler dev will use.
const persistAt = args.indexOf("--persist-to");
const persist = persistAt >= 0 ? ["--persist-to", args[persistAt + 1]] : [];
const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", ...persist], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, CI: "true" },
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const dev = spawn(wrangler, ["dev", "--local", ...args], { cwd: root, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
