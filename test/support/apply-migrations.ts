import "reflect-metadata";
import { applyD1Migrations, reset } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Setup files run before each test file. The test files of a vitest worker share one workerd (`isolate: false` in
// vitest.config.ts, so the Worker's modules load once per worker, not once per file); each file still starts from
// empty storage, as in a runtime of its own: reset() deletes every Durable Object, D1 database and KV namespace of
// that workerd, then the migrations are applied again.
await reset();
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
