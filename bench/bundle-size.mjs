#!/usr/bin/env node
/**
 * The size of the Worker `wrangler deploy` would upload, from `wrangler deploy --dry-run` (no account needed), beside
 * Cloudflare's limits on the compressed Worker: 3 MB on Workers Free, 10 MB on Workers Paid
 * (https://developers.cloudflare.com/workers/platform/limits/#worker-size). Per module: the Worker's code and the
 * Swagger UI assets it serves at /docs (text modules, wrangler.toml `[[rules]]`).
 *
 *   node bench/bundle-size.mjs [--write]
 *
 * `--write` replaces the bundle-size section of bench/RESULTS.md. npm test runs the same dry run
 * (test/node/bundle.test.ts) and fails when the compressed Worker outgrows the Free limit.
 */
import { join } from "node:path";
import { dryRunBundle, formatBytes, WORKER_SIZE_LIMITS } from "../scripts/deploy/bundle-size.mjs";
import { machineLine, markdownTable, option, REPO_ROOT, runBench, runDirectory, writeResultsSection } from "./lib.mjs";

const COMMAND = "node bench/bundle-size.mjs --write";
const percent = (part, whole) => `${((100 * part) / whole).toFixed(0)} %`;

await runBench(async () => {
  const outdir = join(runDirectory("bundle-size"), "dry-run");
  const bundle = dryRunBundle({ root: REPO_ROOT, outdir });
  if (!bundle.ok) throw new Error(`wrangler deploy --dry-run failed:\n${bundle.output}`);

  const totals = markdownTable(
    ["upload", "size", "gzip (what the limit counts)", "of the Free limit (3 MiB)", "of the Paid limit (10 MiB)"],
    [["the whole Worker", formatBytes(bundle.total), `**${formatBytes(bundle.gzip)}**`, percent(bundle.gzip, WORKER_SIZE_LIMITS.free), percent(bundle.gzip, WORKER_SIZE_LIMITS.paid)]],
  );
  const modules = markdownTable(
    ["module", "size", "gzip alone"],
    bundle.modules.map((module) => [`\`${module.name.replace(/^[0-9a-f]{40}-/, "")}\``, formatBytes(module.bytes), formatBytes(module.gzipBytes)]),
  );
  const markdown = `## 7. Bundle size (\`wrangler deploy --dry-run\`)

${machineLine()}

\`\`\`sh
${COMMAND}
\`\`\`

What \`wrangler deploy\` would upload, as its dry run reports it ("Total Upload", all modules gzipped together).
Cloudflare limits the compressed Worker to 3 MB on Workers Free and 10 MB on Workers Paid
([Workers limits](https://developers.cloudflare.com/workers/platform/limits/#worker-size)); wrangler measures both in
MiB. Source maps are not uploaded.

${totals}

${modules}

Swagger UI's bundle and stylesheet are text modules of their own (wrangler.toml \`[[rules]]\`), served by \`/docs\`.`;
  console.log(`\n${markdown}\n`);
  if (option("write", false)) writeResultsSection("bundle-size", markdown);
});
