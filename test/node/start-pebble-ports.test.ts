/**
 * `npm run start:pebble` on its fixed ports: a port that is taken stops the start at once, naming the port and what to
 * do, before anything runs (no migration, no Pebble). The squatted port is the Worker's (`--port`), a free one picked
 * here, so the test never depends on, nor disturbs, a developer's own `npm run start:pebble`.
 */
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPebbleBinaries } from "../../scripts/pebble/binaries.mjs";

const SCRIPT = fileURLToPath(new URL("../../scripts/start-pebble.mjs", import.meta.url));
let squatter: Server;
let takenPort = 0;

beforeAll(async () => {
  squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
  takenPort = (squatter.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => squatter.close(resolve));
});

describe.skipIf(!findPebbleBinaries())("npm run start:pebble with a port taken", () => {
  it("exits 1 at once, naming the port, what listens there and how to choose another", () => {
    const started = Date.now();
    const run = spawnSync(process.execPath, [SCRIPT, "--port", String(takenPort)], { encoding: "utf8", timeout: 20_000 });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toContain(`Address already in use (127.0.0.1:${takenPort}): the Worker (wrangler dev)`);
    expect(run.stderr).toContain("npm run start:pebble -- --port 8791");
    // Nothing ran before the check: no migrations (wrangler prints them), no Pebble.
    expect(run.stdout).not.toMatch(/migrations|Pebble's ACME directory is/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
