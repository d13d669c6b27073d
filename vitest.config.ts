import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { DNS_FAKE_ORIGIN, handleDnsFake } from "./test/support/dns-fakes/unit-host.mjs";

const migrations = await readD1Migrations("./migrations");

/**
 * Bindings every in-workerd test sees (the committed test values, never production secrets; CERTDESK_ENV=test is
 * what lets the Worker accept them). The limits keep their defaults (the CA-call bucket holds 300, room for any suite
 * that orders often from one team); the limiter's own tests set theirs.
 */
const testBindings = {
  CERTDESK_ENV: "test",
  ADMIN_TOKEN: "test-admin-token-0123456789",
  ENCRYPTION_KEY: "dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTMyYnl0ZXM=",
  TEST_MIGRATIONS: migrations,
  // No TXT records to publish in tests: a project's domain is the team's at once, as before verified claims; the
  // tests of verification itself give their own Worker isolate DOMAIN_VERIFICATION=required.
  DOMAIN_VERIFICATION: "off",
};

export default defineConfig({
  test: {
    projects: [
      {
        // Unit and route tests: the Worker runs inside workerd with local D1, KV and Durable Objects.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // Unit tests have no network: every outbound fetch gets a 502, as from a gateway that cannot reach
              // the host, so issuance meets an unreachable CA, never the real one. Not a refused connection:
              // workerd prints a stack trace for each of those, even when the caller handles the error.
              // The one exception is the Cloudflare API fake DNS_API_BASE_URLS points at (test/support/dns-fakes/unit-host.mjs).
              outboundService: (request: Request) =>
                new URL(request.url).origin === DNS_FAKE_ORIGIN ? handleDnsFake(request) : new Response("unit tests have no network", { status: 502 }),
              bindings: {
                ...testBindings,
                ACME_DIRECTORY_URL: "https://127.0.0.1:9/directory",
                ACME_STAGING_DIRECTORY_URL: "https://127.0.0.1:9/staging/directory",
                ISSUANCE_WAIT_SECONDS: "25",
                DNS_API_BASE_URLS: JSON.stringify({ cloudflare: DNS_FAKE_ORIGIN }),
                // Whatever a developer's .dev.vars says (its example sets it for `npm start`): the webhook tests check the refusals.
                ALLOW_PRIVATE_WEBHOOK_TARGETS: "false",
              },
              compatibilityFlags: ["service_binding_extra_handlers"],
              // An empty database of its own, for tests that apply the migrations one by one over rows written as
              // an earlier schema had them (test/unit/services/webhook-migration.test.ts).
              d1Databases: ["MIGRATION_DB"],
            },
          }),
        ],
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          // One workerd per vitest worker, not per file: a fresh runtime (and the Worker's whole module graph loaded
          // into it) for each of ~100 files was most of the run's time. The setup file empties storage per file.
          isolate: false,
          // Two workerd runtimes on this 2-core machine: many tests wait (the ACME client's backoff against the
          // unreachable CA), and the other runtime works meanwhile.
          maxWorkers: 2,
          setupFiles: ["./test/support/apply-migrations.ts"],
          testTimeout: 30_000,
        },
      },
      {
        // End to end: a real Pebble CA validates a real `wrangler dev` of this Worker over HTTP-01 and DNS-01.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: testBindings },
          }),
        ],
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["./test/support/e2e-global-setup.ts"],
          setupFiles: ["./test/support/apply-migrations.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // One file at a time (they share the Worker, its Pebble and the harness's switches), in one workerd.
          fileParallelism: false,
          isolate: false,
          // In a plain `vitest run`, after unit and node (the projects of one group share one maxWorkers); `npm test`
          // runs it in a vitest of its own beside the others (scripts/test.mjs).
          sequence: { groupOrder: 1 },
        },
      },
      {
        // The dashboard in a real browser: Debian's chromium driven by playwright-core from Node (no workerd here)
        // against a `wrangler dev` of this Worker with a fresh local state.
        test: {
          name: "browser",
          environment: "node",
          include: ["test/browser/**/*.test.ts"],
          globalSetup: ["./test/browser/global-setup.mjs"],
          // The console is a page and about twenty module scripts from `wrangler dev`; beside the clients lane on two
          // cores, its first load has taken over 50 s.
          testTimeout: 150_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        // Node-side checks of what ships: the deploy script (wrangler replaced by recorded outputs), the bundle of
        // `wrangler deploy --dry-run`, and Redocly's lint of /openapi.json as a `wrangler dev` of the Worker serves it.
        test: {
          name: "node",
          environment: "node",
          include: ["test/node/**/*.test.ts"],
          exclude: ["test/node/acme-clients-*.test.ts"],
          maxWorkers: 2,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Real ACME clients (Debian's certbot, lego, dehydrated, caddy; unmodified) against Pebble and against this
        // Worker's ACME server, from Node. A project of its own: `npm test` runs it only where the clients are installed.
        test: {
          name: "clients",
          environment: "node",
          include: ["test/node/acme-clients-*.test.ts"],
          maxWorkers: 2,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
