/**
 * A vitest config for a benchmark that runs inside workerd the way the unit tests do: the root config's unit project
 * (the same `cloudflareTest` options: this project's wrangler.toml, the committed test bindings, no network, the D1
 * migrations applied by test/support/apply-migrations.ts), but including only the benchmark's own `*.measure.ts`
 * files, so `npm test` never runs them and nothing in them asserts a time. Used by bench/validate-cpu/ and
 * bench/authenticated-read/; each benchmark's runner starts vitest with its config (bench/lib.mjs `runVitest`).
 */
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));

export interface WorkerdBenchOptions {
  /** The vitest project name. */
  name: string;
  /** The measure files, relative to the repository root. */
  include: string[];
  /** Values the measure files `inject()`. */
  provide?: Record<string, unknown>;
  /** Module aliases (e.g. another version of src/ to compare against). */
  alias?: Record<string, string>;
}

export async function workerdBenchConfig({ name, include, provide = {}, alias = {} }: WorkerdBenchOptions) {
  const migrations = await readD1Migrations(`${root}/migrations`);
  return defineConfig({
    root,
    resolve: { alias },
    plugins: [
      cloudflareTest({
        wrangler: { configPath: `${root}/wrangler.toml` },
        miniflare: {
          // As the unit project: every outbound fetch gets a 502 (these benchmarks reach nothing outside workerd).
          outboundService: () => new Response("benchmarks in workerd have no network", { status: 502 }),
          // The committed test values (CERTDESK_ENV=test lets the Worker accept them), as the root config's testBindings.
          bindings: {
            CERTDESK_ENV: "test",
            CA_CALLS_BURST: "100",
            ADMIN_TOKEN: "test-admin-token-0123456789",
            ENCRYPTION_KEY: "dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTMyYnl0ZXM=",
            TEST_MIGRATIONS: migrations,
            DOMAIN_VERIFICATION: "off",
            ACME_DIRECTORY_URL: "https://127.0.0.1:9/directory",
            ACME_STAGING_DIRECTORY_URL: "https://127.0.0.1:9/staging/directory",
          },
        },
      }),
    ],
    test: {
      name,
      include,
      setupFiles: ["./test/support/apply-migrations.ts"],
      provide,
      // A benchmark: no timing is asserted, the limit only stops a run that hangs.
      testTimeout: 20 * 60_000,
      fileParallelism: false,
    },
  });
}
