/**
 * Manual use: start the e2e environment (Pebble, challtestsrv, wrangler dev, harness) and keep it up until Ctrl-C.
 *   NODE_EXTRA_CA_CERTS=$(node scripts/pebble/test-ca.mjs) node scripts/pebble/run.mjs [--no-wrangler]
 */
import { startE2eEnvironment } from "./e2e-environment.mjs";

const env = await startE2eEnvironment({ wrangler: !process.argv.includes("--no-wrangler") });
console.log(JSON.stringify(env.values, null, 2));
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await env.stop();
    process.exit(0);
  });
}
