/**
 * The issuance-limits benchmark (run it with bench/issuance-limits/run.mjs, which sets NODE_EXTRA_CA_CERTS first).
 * The e2e project's setup from the root vitest.config.ts: the same cloudflareTest options, the e2e global setup
 * (Pebble, challtestsrv, the harness, the Cloudflare DNS fake, `wrangler dev`) and the D1 migrations; then this
 * benchmark's own global setup (the HTTP-01 responder and the Node baseline, global-setup.ts). Only
 * bench/issuance-limits/*.measure.ts run: `npm test` (root config: test/unit, test/e2e) never picks them up.
 */
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import type { IssuanceLimitsOptions } from "./context";

const root = fileURLToPath(new URL("../..", import.meta.url));
const migrations = await readD1Migrations(`${root}/migrations`);

/** As the root config's testBindings (the committed test values; CERTDESK_ENV=test lets the Worker accept them). */
const testBindings = {
  CERTDESK_ENV: "test",
  CA_CALLS_BURST: "100",
  ADMIN_TOKEN: "test-admin-token-0123456789",
  ENCRYPTION_KEY: "dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTMyYnl0ZXM=",
  TEST_MIGRATIONS: migrations,
  DOMAIN_VERIFICATION: "off",
};

const number = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};
const options: IssuanceLimitsOptions = {
  runs: number("ISSUANCE_LIMITS_RUNS", 40),
  runs4096: number("ISSUANCE_LIMITS_RUNS_4096", 20),
  rounds: number("ISSUANCE_LIMITS_ROUNDS", 3),
};

export default defineConfig({
  root,
  plugins: [
    cloudflareTest({
      wrangler: { configPath: `${root}/wrangler.toml` },
      miniflare: { bindings: testBindings },
    }),
  ],
  test: {
    name: "issuance-limits",
    include: ["bench/issuance-limits/*.measure.ts"],
    globalSetup: ["./test/support/e2e-global-setup.ts", "./bench/issuance-limits/global-setup.ts"],
    setupFiles: ["./test/support/apply-migrations.ts"],
    provide: { issuanceLimitsOptions: options },
    // A benchmark: no timing is asserted, the limits only stop a run that hangs.
    testTimeout: 45 * 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
