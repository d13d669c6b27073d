#!/usr/bin/env node
/**
 * `npm run reset`: forgets the local state of `npm start` and `npm run start:pebble` (wrangler's local D1, KV and
 * Durable Objects, and Pebble's configs and logs), refusing while a local server runs. `--persist-to <dir>` resets
 * that directory instead of wrangler's default, as given to `npm start`. Keeps .dev.vars and the test CA.
 */
import { existsSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { DEFAULT_PORT, optionValue } from "./local-dev.mjs";
import { LOCAL_PEBBLE_PORTS, LOCAL_RUN_DIR } from "./pebble/local-ports.mjs";
import { listening } from "./pebble/ports.mjs";
import { REPO_ROOT } from "./pebble/test-ca.mjs";

/** wrangler dev --local keeps D1, KV and Durable Objects here unless --persist-to says otherwise. */
const WRANGLER_STATE = join(REPO_ROOT, ".wrangler", "state");

/** The first local server found listening (the Worker on its default port, or start:pebble's Pebble), or null. */
async function runningServer() {
  const probes = [
    { host: "127.0.0.1", port: DEFAULT_PORT, what: "the Worker (`npm start` or `npm run start:pebble`)" },
    { host: "::1", port: DEFAULT_PORT, what: "the Worker (`npm start` or `npm run start:pebble`)" },
    { host: "127.0.0.1", port: LOCAL_PEBBLE_PORTS.pebble.acme, what: "Pebble (`npm run start:pebble`)" },
  ];
  for (const probe of probes) if (await listening(probe.host, probe.port)) return probe;
  return null;
}

async function main(args) {
  const server = await runningServer();
  if (server) {
    const address = server.host.includes(":") ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
    console.error(`Something listens on ${address}, presumably ${server.what}: stop it (Ctrl-C in its terminal), then run \`npm run reset\` again. Nothing was removed.`);
    return 1;
  }
  const persistTo = optionValue(args, "--persist-to");
  const state = persistTo ? resolve(REPO_ROOT, persistTo) : WRANGLER_STATE;
  // A state directory holds only state: never the clone, nor a directory above it.
  if (!relative(state, REPO_ROOT).startsWith("..")) {
    console.error(`--persist-to ${persistTo} is the repository or a directory above it, not a state directory: nothing was removed.`);
    return 1;
  }
  const targets = [state, LOCAL_RUN_DIR];
  const removed = targets.filter((path) => existsSync(path));
  for (const path of removed) rmSync(path, { recursive: true, force: true });
  if (removed.length === 0) console.log("No local state to remove.");
  for (const path of removed) console.log(`Removed ${relative(REPO_ROOT, path) || path}`);
  console.log("Kept .dev.vars (local secrets) and the test CA of .tmp/pebble/ca. The next `npm start` begins with an empty database.");
  return 0;
}

process.exit(await main(process.argv.slice(2)));
