/** `wrangler deploy --dry-run`: the Worker bundles without an account, and what it would upload fits Cloudflare's limit. */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { dryRunBundle, formatBytes, WORKER_SIZE_LIMITS } from "../../scripts/deploy/bundle-size.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// A directory of this run's own: another `npm test` in the same tree may be bundling at the same time.
const OUTDIR = join(ROOT, ".tmp", "dry-run", String(process.pid));

describe("wrangler deploy --dry-run", () => {
  it("bundles the Worker, and its compressed upload fits the Workers Free plan's limit", () => {
    const bundle = dryRunBundle({ root: ROOT, outdir: OUTDIR });
    expect(bundle.ok, `wrangler deploy --dry-run failed:\n${bundle.output}`).toBe(true);
    expect(existsSync(join(OUTDIR, "index.js"))).toBe(true);
    // The module sizes add up to wrangler's own total (to within its rounding to hundredths of a KiB).
    const sum = bundle.modules.reduce((total, module) => total + module.bytes, 0);
    expect(Math.abs(sum - bundle.total)).toBeLessThan(1024);
    console.log(`bundle: ${formatBytes(bundle.total)}, ${formatBytes(bundle.gzip)} gzipped (bench/bundle-size.mjs --write records it)`);
    expect(bundle.gzip, `the compressed Worker is ${formatBytes(bundle.gzip)}, over the 3 MiB Free limit`).toBeLessThan(WORKER_SIZE_LIMITS.free);
    rmSync(OUTDIR, { recursive: true, force: true }); // kept when something above failed, to look at
    // As long as the bundling itself may take (its spawnSync timeout): on two loaded cores it took 173 s.
  }, 300_000);
});
