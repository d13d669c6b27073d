/**
 * The fixed ports (and directory) of `npm run start:pebble`. A certificate remembers the directory URL of the CA that issued it, and
 * the team's ACME account is stored per directory URL: on the same ports, what one local run obtained renews in the
 * next. The e2e tests never use these (free ports of their own, ports.mjs), so they run beside a local server.
 */
import { join } from "node:path";
import { portInUseMessage, portIsFree, udpFree } from "./ports.mjs";
import { PEBBLE_TMP } from "./test-ca.mjs";

const HOST = "127.0.0.1";

/** Pebble's and challtestsrv's configs and logs under `npm run start:pebble` (the tests' go to run-* beside it). */
export const LOCAL_RUN_DIR = join(PEBBLE_TMP, "local");

/** Pebble's and challtestsrv's own default ports. Pebble only dials `tls` (TLS-ALPN-01), so it need not be free. */
export const LOCAL_PEBBLE_PORTS = Object.freeze({
  pebble: Object.freeze({ acme: 14000, management: 15000, tls: 5001 }),
  challtestsrv: 8055,
  dns: 8053,
});

/** What listens where under `npm run start:pebble` (the Worker on `workerPort`), and how to free each. */
export function localPortUses(workerPort) {
  const another = "another `npm run start:pebble` (or a Pebble of your own) is running: stop it (Ctrl-C in its terminal) and try again";
  return [
    { port: workerPort, what: "the Worker (wrangler dev)", fix: "stop the other `npm start`/`npm run start:pebble`, or pass another one: `npm run start:pebble -- --port 8791`" },
    { port: LOCAL_PEBBLE_PORTS.pebble.acme, what: "Pebble's ACME directory", fix: another },
    { port: LOCAL_PEBBLE_PORTS.pebble.management, what: "Pebble's management port", fix: another },
    { port: LOCAL_PEBBLE_PORTS.challtestsrv, what: "pebble-challtestsrv's management port", fix: another },
    { port: LOCAL_PEBBLE_PORTS.dns, what: "pebble-challtestsrv's DNS (TCP and UDP)", fix: another, udp: true },
  ];
}

/** One line per port of `npm run start:pebble` that is taken now, naming it, then what to do; empty when all are free. */
export async function takenLocalPorts(workerPort) {
  const taken = [];
  for (const use of localPortUses(workerPort)) {
    const free = (await portIsFree(HOST, use.port)) && (!use.udp || (await udpFree(use.port)));
    if (!free) taken.push(use);
  }
  const fixes = [...new Set(taken.map((use) => `${use.fix[0].toUpperCase()}${use.fix.slice(1)}.`))];
  return [...taken.map((use) => `${portInUseMessage(HOST, use.port)}: ${use.what}`), ...fixes];
}
