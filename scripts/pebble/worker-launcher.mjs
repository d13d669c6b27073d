#!/usr/bin/env node
/**
 * `wrangler dev` for the test runs, through wrangler's own `unstable_startWorker` with the inspector off and no file
 * watching. The CLI cannot turn the inspector off, and its proxy then posts every DevTools event of the runtime (each
 * D1 answer's body included) to wrangler's Node process: tens of MB a run, and on two loaded cores that process drops
 * the Worker's connections ("Network connection lost", "Your worker restarted mid-request").
 *
 * Arguments: --ip, --port, --persist-to, --var NAME:VALUE (repeated), and for TLS --https-cert-path/--https-key-path.
 * wrangler logs "Ready on <origin>" when the Worker listens, as with the CLI; stops on SIGTERM/SIGINT.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { unstable_startWorker } from "wrangler";
import { portInUseMessage, portIsFree } from "./ports.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const { values } = parseArgs({
  options: {
    ip: { type: "string", default: "127.0.0.1" },
    port: { type: "string" },
    "persist-to": { type: "string" },
    var: { type: "string", multiple: true, default: [] },
    "https-cert-path": { type: "string" },
    "https-key-path": { type: "string" },
  },
});

const bindings = Object.fromEntries(
  values.var.map((pair) => {
    const at = pair.indexOf(":");
    return [pair.slice(0, at), { type: "plain_text", value: pair.slice(at + 1) }];
  }),
);
const secure = values["https-cert-path"] !== undefined;

// Started on a taken port, startWorker waits for ever instead of failing as the CLI does: check first; the caller
// (wrangler-dev.mjs) reads the CLI's words and moves to another port.
if (!(await portIsFree(values.ip, Number(values.port)))) {
  console.error(portInUseMessage(values.ip, values.port));
  process.exit(1);
}

let worker;
try {
  worker = await unstable_startWorker({
    config: join(ROOT, "wrangler.toml"),
    bindings,
    dev: {
      remote: false,
      inspector: false,
      watch: false,
      liveReload: false,
      testScheduled: true,
      logLevel: "info",
      persist: values["persist-to"],
      server: {
        hostname: values.ip,
        port: Number(values.port),
        secure,
        ...(secure ? { httpsCertPath: values["https-cert-path"], httpsKeyPath: values["https-key-path"] } : {}),
      },
    },
  });
  // wrangler itself logs "Ready on <origin>" once the Worker listens.
  await worker.ready;
} catch (error) {
  console.error(`worker-launcher: the Worker did not start: ${error?.stack ?? error}`);
  await worker?.dispose().catch(() => {});
  process.exit(1);
}

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await worker.dispose().catch(() => {});
    process.exit(0);
  });
}
