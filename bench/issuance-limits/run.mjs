#!/usr/bin/env node
/**
 * What an issuance costs against the Workers limits: CPU time of its CPU-heavy steps inside workerd (Node's WebCrypto
 * side by side) and the subrequests, D1, KV and checkpoint calls of each issuance job against a real Pebble.
 *
 *   node bench/issuance-limits/run.mjs [--runs 40] [--runs-4096 20] [--rounds 3] [--write]
 *   node bench/issuance-limits/run.mjs --from bench/out/issuance-limits-…/results.json [--write]   (re-render a run)
 *
 * Runs vitest with bench/issuance-limits/vitest.config.ts the way scripts/test.mjs runs it (NODE_EXTRA_CA_CERTS set to
 * the test CA first, so workerd trusts Pebble), reads the one result line each measure file prints, prints the tables
 * and, with --write, replaces the `issuance-limits` section of bench/RESULTS.md. See bench/issuance-limits/README.md.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findPebbleBinaries, PEBBLE_MISSING_MESSAGE } from "../../scripts/pebble/binaries.mjs";
import { ensureTestCa } from "../../scripts/pebble/test-ca.mjs";
import { REPO_ROOT, machineLine, markdownTable, median, option, runDirectory, writeResultsSection } from "../lib.mjs";

/** As context.ts RESULT_MARKER. */
const RESULT_MARKER = "ISSUANCE_LIMITS_RESULT";
const runs = option("runs", 40);
const runs4096 = option("runs-4096", 20);
const rounds = option("rounds", 3);
const write = option("write", false);

/** The Workers limits the numbers are read against (Cloudflare's docs, as cited in the section). */
const FREE_CPU_MS = 10;
const FREE_SUBREQUESTS = 50;
const PAID_SUBREQUESTS = 10_000;

const ca = ensureTestCa();
const env = {
  ...process.env,
  NODE_EXTRA_CA_CERTS: ca.caCert,
  ISSUANCE_LIMITS_RUNS: String(runs),
  ISSUANCE_LIMITS_RUNS_4096: String(runs4096),
  ISSUANCE_LIMITS_ROUNDS: String(rounds),
  NO_COLOR: "1",
  FORCE_COLOR: "0",
  CI: "1",
  WRANGLER_SEND_METRICS: "false",
};
if (!findPebbleBinaries(env)) {
  console.error(PEBBLE_MISSING_MESSAGE);
  process.exit(1);
}

/** vitest run with this benchmark's config, in its own process group; its output echoed and returned. */
function runVitest() {
  const args = ["run", "--config", "bench/issuance-limits/vitest.config.ts"];
  return new Promise((resolve, reject) => {
    const child = spawn(join(REPO_ROOT, "node_modules", ".bin", "vitest"), args, { cwd: REPO_ROOT, env, detached: true, stdio: ["ignore", "pipe", "inherit"] });
    // The e2e global setup stops Pebble, challtestsrv and wrangler dev in its teardown; the group kill is for the
    // cases where vitest never gets there (Ctrl-C, this script dying).
    const kill = () => {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    };
    process.once("exit", kill);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.once(signal, () => (kill(), process.exit(130)));
    let text = "";
    child.stdout.on("data", (chunk) => {
      process.stdout.write(chunk);
      text += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      process.off("exit", kill);
      if (code === 0) resolve(text);
      else reject(new Error(`vitest exited ${code}`));
    });
  });
}

/** Nearest-rank percentile. */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function ms(value) {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

const ratio = (a, b) => (a / b).toFixed(2);

/** A factor: "15×", "1.3×", "0.0042×". */
const times = (value) => `${value >= 10 ? Math.round(value) : Number(value.toPrecision(2))}×`;

/** "3" when every round gave 3, "3 (2–4)" otherwise: the median over rounds and the range. */
function spread(values) {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const mid = median(values);
  const text = Number.isInteger(mid) ? String(mid) : mid.toFixed(1);
  return lo === hi ? text : `${text} (${lo}–${hi})`;
}

function report({ cpu, subrequests: sub, machine, settings }) {
  const lines = [];
  lines.push("## 5. What an issuance costs against the Workers limits (CPU time, subrequests)");
  lines.push("");
  lines.push(machine);
  lines.push("");
  lines.push("```sh");
  lines.push(`node bench/issuance-limits/run.mjs --runs ${settings.runs} --runs-4096 ${settings.runs4096} --rounds ${settings.rounds} --write`);
  lines.push("```");
  lines.push("");
  lines.push(
    "Workers limits read against (Cloudflare docs, [Workers limits](https://developers.cloudflare.com/workers/platform/limits/)): " +
      `CPU time per invocation ${FREE_CPU_MS} ms on Workers Free; 30 s by default on Workers Paid, configurable up to 5 min ` +
      "([changelog 2025-03-25](https://developers.cloudflare.com/changelog/2025-03-25-higher-cpu-limits/)). " +
      `Subrequests ${FREE_SUBREQUESTS} per request on Free, ${PAID_SUBREQUESTS.toLocaleString("en-US")} on Paid; a subrequest is any fetch and any request to ` +
      "another Cloudflare service such as KV or D1, so the D1 and KV calls below count too. The issuance job runs in the certificate's " +
      "Durable Object, whose [limits page](https://developers.cloudflare.com/durable-objects/platform/limits/) lists 30 s (default) to 5 min " +
      "of CPU per request and says Workers' plan limits also apply; whether a Free-plan object's request gets 10 ms the pages leave open, so " +
      "the numbers are read against the stricter 10 ms.",
  );
  lines.push("");

  // CPU
  lines.push(`### CPU time of the CPU-heavy steps (workerd vs Node ${cpu.node} WebCrypto)`);
  lines.push("");
  lines.push(
    "Inside workerd (the vitest pool's workerd, the one `npm test` uses) and on Node's WebCrypto in the vitest process, the same " +
      "source (bench/issuance-limits/cpu-ops.ts: `generateCertificateKey`, `createCsr`, `signJws`, `checkCertificate` of src/), " +
      "samples alternating between the two runtimes (order swapped every round). A sample is the wall time of a batch of " +
      `back-to-back calls divided by the batch size; batches are sized once to ~${cpu.batchMs} ms in workerd, whose clock counts whole ` +
      "milliseconds (RSA key generation: one key per sample). For a sequential CPU-bound call wall time is CPU time. " +
      "RSA key generation is a random prime search: its spread is the algorithm's, not noise. " +
      "Local workerd on this machine, not Cloudflare's edge: compare with the limits in orders of magnitude.",
  );
  lines.push("");
  const cpuRows = cpu.rows.map((row) => {
    const wMed = median(row.workerd);
    const nMed = median(row.node);
    return [
      row.group,
      row.label,
      `${row.runs}${row.batch > 1 ? ` × ${row.batch}` : ""}`,
      ms(wMed),
      ms(percentile(row.workerd, 90)),
      ms(nMed),
      ms(percentile(row.node, 90)),
      `**${ratio(wMed, nMed)}**`,
      times(percentile(row.workerd, 90) / FREE_CPU_MS),
    ];
  });
  lines.push(
    markdownTable(
      ["step", "key / input", "samples (× batch)", "workerd median ms", "workerd p90 ms", "Node median ms", "Node p90 ms", "workerd ÷ Node (medians)", "workerd p90 ÷ free plan's 10 ms"],
      cpuRows,
    ),
  );
  lines.push("");
  const rsa4096 = cpu.rows.find((r) => r.group.startsWith("certificate key generation") && r.label === "RSA-4096");
  const rsa2048 = cpu.rows.find((r) => r.group.startsWith("certificate key generation") && r.label === "RSA-2048");
  if (rsa4096 && rsa2048) {
    lines.push(
      `RSA key generation alone is ${ms(median(rsa2048.workerd))} ms (2048, median) to ${ms(median(rsa4096.workerd))} ms (4096, median; p90 ${ms(percentile(rsa4096.workerd, 90))} ms) ` +
        `in workerd here: ${Math.round(median(rsa2048.workerd) / FREE_CPU_MS)}× to ${Math.round(median(rsa4096.workerd) / FREE_CPU_MS)}× the free plan's ${FREE_CPU_MS} ms, ` +
        "and far inside the paid plan's 30 s default. EC keys, the CSR, the JWS and the chain check stay in the low milliseconds.",
    );
    lines.push("");
  }
  lines.push("<details><summary>every sample (ms per operation)</summary>");
  lines.push("");
  for (const row of cpu.rows) {
    lines.push(`- ${row.group}, ${row.label}: workerd ${row.workerd.map(ms).join(", ")}; Node ${row.node.map(ms).join(", ")}`);
  }
  lines.push("");
  lines.push("</details>");
  lines.push("");

  // Subrequests
  const flows = sub.rounds[0].map((f) => f.flow);
  const byFlow = flows.map((flow) => sub.rounds.map((round) => round.find((f) => f.flow === flow)));
  lines.push(`### Subrequests of one issuance job (Pebble, ${sub.rounds.length} rounds)`);
  lines.push("");
  lines.push(
    "The job the certificate's Durable Object runs (`runIssuance` for obtain and renew, `revokeStoredCertificate` for revoke), " +
      "inside workerd with this project's D1 and KV, against the e2e run's Pebble (PEBBLE_WFE_NONCEREJECT=0, PEBBLE_VA_NOSLEEP=1) behind " +
      "the e2e ACME Renewal Information endpoint (Pebble 2.4 has none; Let's Encrypt has). Counted by wrapping the global `fetch`, the D1 " +
      "binding (each run/all/first/raw or batch is one call) and the KV binding; checkpoints are what the object saves in its own storage. " +
      "DNS-01 goes through the Cloudflare adapter to the e2e Cloudflare API fake; HTTP-01 answers reach Pebble through the benchmark's " +
      "responder (the CA's validation requests are incoming requests, not subrequests). DoH: CAA preflight and the DNS-01 propagation " +
      "check. One team per round, EC P-256 keys (the key type changes no count), fresh names. Median over rounds, range in brackets " +
      "when the rounds differ (polling depends on how soon Pebble has validated).",
  );
  lines.push("");
  const kindsOf = (f, group) => {
    const counts = {};
    for (const x of f.tally.fetches) if (x.group === group) counts[x.kind] = (counts[x.kind] ?? 0) + 1;
    return counts;
  };
  const groupTotal = (f, group) => f.tally.fetches.filter((x) => x.group === group).length;
  const kvTotal = (f) => Object.values(f.tally.kv).reduce((a, b) => a + b, 0);
  const total = (f) => f.tally.fetches.length + f.tally.d1Calls + kvTotal(f);
  const kindSpread = (runsOfFlow, group) => {
    const kinds = [...new Set(runsOfFlow.flatMap((f) => Object.keys(kindsOf(f, group))))];
    return kinds.map((kind) => `${kind} ${spread(runsOfFlow.map((f) => kindsOf(f, group)[kind] ?? 0))}`).join(", ");
  };
  const subRows = byFlow.map((runsOfFlow) => {
    const f0 = runsOfFlow[0];
    const acme = runsOfFlow.map((f) => groupTotal(f, "acme"));
    const dns = runsOfFlow.map((f) => groupTotal(f, "dns-api"));
    const doh = runsOfFlow.map((f) => groupTotal(f, "doh"));
    const totals = runsOfFlow.map(total);
    return [
      f0.flow,
      `**${spread(totals)}**`,
      `${spread(acme)}: ${kindSpread(runsOfFlow, "acme")}`,
      dns.some((n) => n > 0) ? `${spread(dns)}: ${kindSpread(runsOfFlow, "dns-api")}` : "0",
      doh.some((n) => n > 0) ? `${spread(doh)}: ${kindSpread(runsOfFlow, "doh")}` : "0",
      spread(runsOfFlow.map((f) => f.tally.d1Calls)),
      kvTotal(f0) > 0 ? `${spread(runsOfFlow.map(kvTotal))}: ${Object.keys(f0.tally.kv).map((k) => `${k} ${spread(runsOfFlow.map((f) => f.tally.kv[k] ?? 0))}`).join(", ")}` : "0",
      spread(runsOfFlow.map((f) => Object.values(f.tally.checkpoint).reduce((a, b) => a + b, 0))),
      `${times(Math.max(...totals) / FREE_SUBREQUESTS)} / ${times(Math.max(...totals) / PAID_SUBREQUESTS)}`,
      spread(runsOfFlow.map((f) => f.ms)),
    ];
  });
  lines.push(
    markdownTable(
      [
        "job",
        "subrequests (fetch + D1 + KV)",
        "ACME requests",
        "DNS provider API",
        "DoH",
        "D1 calls",
        "KV calls",
        "checkpoint storage calls (not subrequests)",
        "largest total ÷ 50 (Free) / ÷ 10,000 (Paid)",
        "wall ms (local)",
      ],
      subRows,
    ),
  );
  lines.push("");
  const others = byFlow.flat().flatMap((f) => f.tally.fetches.filter((x) => x.group === "other"));
  if (others.length > 0) lines.push(`Unclassified fetches: ${[...new Set(others.map((x) => x.kind))].join(", ")}.\n`);
  const failed = byFlow.flat().flatMap((f) => f.tally.fetches.filter((x) => x.status === "error" || x.status >= 400).map((x) => `${f.flow}: ${x.group} ${x.kind} → ${x.status}`));
  lines.push(failed.length > 0 ? `Answers ≥ 400 (each repeated or handled by the job): ${[...new Set(failed)].join("; ")}.` : "Every counted fetch was answered below 400 (no badNonce or other repeats).");
  lines.push("");
  lines.push("<details><summary>D1 statements per job (round 1)</summary>");
  lines.push("");
  for (const f of sub.rounds[0]) {
    lines.push(`- ${f.flow}: ${Object.entries(f.tally.d1Statements).map(([k, v]) => `${k} ×${v}`).join(", ")}`);
  }
  lines.push("");
  lines.push("</details>");
  return lines.join("\n");
}

// Main, at the end so every helper above is initialized. `--from <results.json>` re-renders a saved run.
const from = option("from", "");
let results;
if (from) {
  results = JSON.parse(readFileSync(from, "utf8"));
} else {
  const output = await runVitest();
  results = Object.fromEntries(
    output
      .split("\n")
      .filter((line) => line.startsWith(`${RESULT_MARKER} `))
      .map((line) => JSON.parse(line.slice(RESULT_MARKER.length + 1)))
      .map((result) => [result.kind, result]),
  );
  if (!results.cpu || !results.subrequests) {
    console.error(`issuance-limits: missing results (${Object.keys(results).join(", ") || "none"}); see the vitest output above`);
    process.exit(1);
  }
  // The machine line now, right after the run: its load average is the run's.
  const workerdPackage = JSON.stringify(join(REPO_ROOT, "node_modules", "workerd", "package.json"));
  results.machine = machineLine({ workerd: [process.execPath, ["-p", `require(${workerdPackage}).version`]], pebble: ["dpkg-query", ["-W", "-f=${Version}", "pebble"]] });
  results.settings = { runs, runs4096, rounds };
  const saved = join(runDirectory("issuance-limits"), "results.json");
  writeFileSync(saved, JSON.stringify(results));
  console.log(`raw results: ${saved} (re-render with --from)`);
}

const markdown = report(results);
console.log(`\n${markdown}\n`);
if (write) writeResultsSection("issuance-limits", markdown);
