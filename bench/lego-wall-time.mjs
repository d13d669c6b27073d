#!/usr/bin/env node
/**
 * `lego run` wall time against a `private` pre-approved directory of our ACME server (a `wrangler dev`) versus against
 * Pebble requiring EAB (PEBBLE_VA_NOSLEEP=1, PEBBLE_AUTHZREUSE=0, no deliberate bad nonces), same machine, same lego
 * (Debian's), EC P-256 keys, a fresh name each run, round-robin so drift hits both alike. Each side first makes one
 * unmeasured run (account registration with EAB, Worker warm-up). lego against Pebble takes either ~0.1 s or ~6 s
 * depending on whether Pebble validated before lego's first poll, hence medians of several runs.
 *
 *   node bench/lego-wall-time.mjs [--n 7] [--write] [--pebble-only]
 */
import { join } from "node:path";
import { legoClient } from "../test/node/support/acme-clients.mjs";
import { startEabPebble } from "../test/node/support/eab-pebble.mjs";
import { createPrivateDirectory } from "../test/node/support/private-acme-directory.mjs";
import { startWorker } from "../test/node/support/private-ca-worker.mjs";
import { freeTcpPorts, machineLine, markdownTable, median, option, runBench, runDirectory, writeResultsSection } from "./lib.mjs";

const n = option("n", 7);
const write = option("write", false);
const pebbleOnly = option("pebble-only", false);
const DOMAIN = "bench.clients.test";

const freshName = (label, i) => `${label}-${i}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}.${DOMAIN}`;

async function main() {
  const dir = runDirectory("lego-wall-time");
  console.log(`working directory ${dir}`);
  const [pebbleHttp, privateHttp] = await freeTcpPorts(2);
  const pebble = await startEabPebble({ runDir: join(dir, "pebble"), httpPort: pebbleHttp });
  const worker = pebbleOnly ? undefined : await startWorker("bench-lego-wall-time");
  try {
    const contenders = { Pebble: legoClient({ directoryUrl: pebble.directoryUrl, eab: pebble.eab, caCert: pebble.caCert, http01Port: pebbleHttp, dir: join(dir, "lego-pebble") }) };
    if (worker) {
      const setup = await createPrivateDirectory(worker.url, worker.adminToken, { slug: "bench", domain: DOMAIN });
      contenders["private directory"] = legoClient({ directoryUrl: setup.directory.directoryUrl, eab: await setup.eabKey(), http01Port: privateHttp, dir: join(dir, "lego-private") });
    }
    const times = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
    const warm = {};
    for (let i = 0; i <= n; i++) {
      for (const [name, client] of Object.entries(contenders)) {
        const run = await client.obtain([freshName(name === "Pebble" ? "pebble" : "private", i)]);
        if (!run.ok) throw new Error(`lego against ${name} failed (exit ${run.exitCode}); see ${run.logFile}`);
        if (i === 0) warm[name] = run.seconds;
        else times[name].push(run.seconds);
        console.log(`${name} ${i === 0 ? "warm-up" : `#${i}`}: ${run.seconds.toFixed(3)} s`);
      }
    }
    const rows = Object.entries(times).map(([name, list]) => [name, median(list).toFixed(3), Math.min(...list).toFixed(3), Math.max(...list).toFixed(3), warm[name].toFixed(3)]);
    const table = markdownTable(["directory", "median s", "min s", "max s", "warm-up s (not counted)"], rows);
    console.log(`\n${table}\n`);
    if (!worker) return;
    const ratio = median(times["private directory"]) / median(times.Pebble);
    const line = `lego wall time, private directory / Pebble: ${ratio.toFixed(2)}`;
    console.log(`${line} (aim ≤ 1.0)`);
    if (write) {
      writeResultsSection(
        "lego-wall-time",
        `## ACME server: lego wall time, private directory vs Pebble (issue 23)

${machineLine({ pebble: ["sh", ["-c", "dpkg-query -W -f '${Version}' pebble"]], lego: ["sh", ["-c", "dpkg-query -W -f '${Version}' lego"]] })}

\`\`\`sh
node bench/lego-wall-time.mjs --n ${n} --write
\`\`\`

${n} \`lego run\` each (after one unmeasured run), fresh name each, EC P-256, round-robin; wall time from start to exit
with the certificate on disk. Private directory: \`pre-approved\`, issuing intermediate, \`wrangler dev\` over HTTP.
Pebble: EAB required, HTTP-01 answered by lego, PEBBLE_VA_NOSLEEP=1, PEBBLE_AUTHZREUSE=0, PEBBLE_WFE_NONCEREJECT=0.

${table}

${line}`,
      );
    }
  } finally {
    await worker?.stop();
    await pebble.stop();
  }
}

await runBench(main);
