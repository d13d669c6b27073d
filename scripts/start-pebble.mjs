#!/usr/bin/env node
/**
 * `npm run start:pebble`: `npm start` pointed at a local Pebble (Let's Encrypt's test CA) with pebble-challtestsrv
 * resolving every name to 127.0.0.1, so `obtain` issues real certificates for any domain in well under a second.
 * Extra arguments go to `wrangler dev` as with `npm start`, e.g. `npm run start:pebble -- --port 8791`.
 * Pebble and challtestsrv listen on fixed ports (pebble/local-ports.mjs), so certificates obtained in one run renew in
 * the next; a taken port stops the start at once, before anything runs.
 */
import { relative } from "node:path";
import { findPebbleBinaries, PEBBLE_MISSING_MESSAGE } from "./pebble/binaries.mjs";
import { startE2eEnvironment } from "./pebble/e2e-environment.mjs";
import { LOCAL_PEBBLE_PORTS, LOCAL_RUN_DIR, takenLocalPorts } from "./pebble/local-ports.mjs";
import { ensureTestCa, REPO_ROOT } from "./pebble/test-ca.mjs";
import { applyLocalMigrations, DEFAULT_PORT, ensureDevVars, optionValue, runWranglerDev } from "./local-dev.mjs";

const SIGNALS = ["SIGINT", "SIGTERM"];

/** The port wrangler dev will listen on (its default unless --port is given), or exits on a bad one. */
function listenPort(args) {
  const port = Number(optionValue(args, "--port") ?? DEFAULT_PORT);
  if (Number.isInteger(port) && port > 0 && port < 65536) return port;
  console.error(`--port must be a TCP port number, not ${optionValue(args, "--port")}`);
  process.exit(1);
}

/**
 * Pebble validates HTTP-01 at 127.0.0.1:<port>, so wrangler must listen exactly there: never move to a free port
 * when this one is taken, nor bind only ::1 where "localhost" resolves to that first. The user's --port/--ip win.
 */
function listenArgs(args, port) {
  return [
    ...(optionValue(args, "--port") === undefined ? ["--port", String(port)] : []),
    ...(optionValue(args, "--ip") === undefined ? ["--ip", "127.0.0.1"] : []),
  ];
}

/** `--var` arguments pointing the Worker's CA and DNS-over-HTTPS resolver at the local stack. */
function pebbleVarArgs({ pebbleDirectoryUrl, dohUrl }) {
  const vars = {
    ACME_DIRECTORY_URL: pebbleDirectoryUrl,
    ACME_STAGING_DIRECTORY_URL: pebbleDirectoryUrl,
    // Answers from challtestsrv, where every name is 127.0.0.1 (DNS-01 propagation checks).
    DOH_RESOLVER_URL: dohUrl,
  };
  return Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
}

async function main(args) {
  if (!findPebbleBinaries()) {
    console.error(PEBBLE_MISSING_MESSAGE);
    console.error("`npm run start:pebble` needs pebble and pebble-challtestsrv on the PATH (or PEBBLE_BIN and PEBBLE_CHALLTESTSRV_BIN).");
    return 1;
  }
  const port = listenPort(args);
  const taken = await takenLocalPorts(port);
  if (taken.length > 0) {
    for (const line of taken) console.error(line);
    return 1;
  }

  // Until wrangler runs, a signal just ends this process: the exit hook in pebble/processes.mjs kills Pebble and challtestsrv.
  const abortStartup = (signal) => process.exit(signal === "SIGINT" ? 130 : 143);
  for (const signal of SIGNALS) process.on(signal, abortStartup);

  ensureDevVars();
  const migrated = applyLocalMigrations(args);
  if (migrated !== 0) return migrated;

  // workerd reads NODE_EXTRA_CA_CERTS when it starts: it must be in the environment wrangler inherits to trust Pebble's HTTPS.
  process.env.NODE_EXTRA_CA_CERTS = ensureTestCa().caCert;
  let environment;
  try {
    environment = await startE2eEnvironment({ wrangler: false, workerPort: port, fixedPorts: LOCAL_PEBBLE_PORTS, runDir: LOCAL_RUN_DIR, log: () => {} });
  } catch (error) {
    console.error(`Could not start Pebble: ${error.message}`);
    return 1;
  }
  const { values } = environment;
  console.log(
    `Pebble's ACME directory is ${values.pebbleDirectoryUrl}; the service on http://localhost:${port} is pointed at it (Pebble's logs in ${relative(REPO_ROOT, values.runDir)}).`,
  );

  for (const signal of SIGNALS) process.off(signal, abortStartup);
  // The user's own arguments come last, so an explicit --var still wins.
  const code = await runWranglerDev([...listenArgs(args, port), ...pebbleVarArgs(values), ...args]);
  await environment.stop();
  return code;
}

process.exit(await main(process.argv.slice(2)));
