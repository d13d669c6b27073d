/**
 * The Worker as `wrangler deploy` would upload it, without an account: `wrangler deploy --dry-run --outdir <dir>`
 * bundles it and prints "Total Upload: <KiB> KiB / gzip: <KiB> KiB". The compressed size is what Cloudflare's
 * Worker size limit counts: 3 MB on Workers Free, 10 MB on Workers Paid
 * (https://developers.cloudflare.com/workers/platform/limits/#worker-size). Used by test/node/bundle.test.ts and
 * bench/bundle-size.mjs.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const MiB = 1024 * 1024;
/** Cloudflare's limits on the compressed Worker (its "MB" are MiB, as wrangler's own size check counts them). */
export const WORKER_SIZE_LIMITS = { free: 3 * MiB, paid: 10 * MiB };

/**
 * Runs the dry run of `configFile` in `root` into `outdir` (emptied first). Resolves with `{ ok, output, total, gzip,
 * modules }`: wrangler's totals in bytes and each uploaded module (`name`, `bytes`, `gzipBytes`), source maps aside.
 */
export function dryRunBundle({ root, outdir, configFile = "wrangler.toml" }) {
  rmSync(outdir, { recursive: true, force: true });
  const run = spawnSync(join(root, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--config", configFile, "--outdir", outdir], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", WRANGLER_SEND_METRICS: "false", CI: "1" },
    timeout: 300_000,
  });
  const output = `${run.stdout ?? ""}${run.stderr ?? ""}${run.error ? `\n${run.error.message}` : ""}`;
  const totals = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
  if (run.status !== 0 || !totals) return { ok: false, output, total: 0, gzip: 0, modules: [] };
  const modules = readdirSync(outdir)
    .filter((name) => !name.endsWith(".map") && name !== "README.md")
    .map((name) => {
      const bytes = readFileSync(join(outdir, name));
      return { name, bytes: bytes.length, gzipBytes: gzipSync(bytes).length };
    })
    .sort((a, b) => b.bytes - a.bytes);
  return { ok: true, output, total: Number(totals[1]) * 1024, gzip: Number(totals[2]) * 1024, modules };
}

/** `2.47 MiB` / `353.1 KiB`. */
export function formatBytes(bytes) {
  return bytes >= MiB ? `${(bytes / MiB).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}
