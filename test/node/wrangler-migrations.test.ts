/**
 * The harness's migrations apply when its timeout ends it: wrangler's launcher exits 0 once its CLI process dies of
 * the signal, so without a check the run looked applied and the Worker started on a database holding only the first
 * migrations (POST /api/v1/cas then a 500 on a missing table). Cut short, it must be an error.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/pebble/test-ca.mjs";
import { applyMigrations } from "../../scripts/pebble/wrangler-dev.mjs";

const runDir = join(REPO_ROOT, ".tmp", "node-wrangler-migrations", `run-${process.pid}-${randomBytes(3).toString("hex")}`);
mkdirSync(runDir, { recursive: true });
afterAll(() => rmSync(runDir, { recursive: true, force: true }));

it("refuses a migrations apply its timeout cut short, instead of leaving a partly migrated database for the Worker", async () => {
  // Far less than wrangler needs to start and apply every migration, even on an idle machine.
  const applying = applyMigrations({ persistTo: join(runDir, "state"), debugLog: join(runDir, "migrate.log"), timeoutMs: 1000, reuse: false });
  await expect(applying).rejects.toThrow(/^wrangler d1 migrations apply (did not finish within 1000 ms|failed)/);
});
