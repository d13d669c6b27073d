#!/usr/bin/env node
// `npm start`: the API locally on its embedded default — local D1, KV and Durable Objects,
// migrations applied, local secrets from .dev.vars (created from .dev.vars.example on first run).
// Extra arguments go to `wrangler dev`, e.g. `npm start -- --port 5002 --var ISSUANCE_WAIT_SECONDS:10`;
// `npm run start:pebble` (scripts/start-pebble.mjs) is the same pointed at a local Pebble.
import { applyLocalMigrations, ensureDevVars, runWranglerDev } from "./local-dev.mjs";

const args = process.argv.slice(2);

ensureDevVars();
const migrated = applyLocalMigrations(args);
if (migrated !== 0) process.exit(migrated);
process.exit(await runWranglerDev(args));
