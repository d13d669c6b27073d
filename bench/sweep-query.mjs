#!/usr/bin/env node
/**
 * One renewal sweep tick over 100,000 certificates (1 % due) in a local D1: the tick through the running Worker
 * (POST /api/v1/admin/renewal-sweep) and the sweep query alone (D1's meta.duration), with the partial index
 * certificates_renewal_idx versus without it (a copy of the same database with the index dropped, and
 * `NOT INDEXED` on the same database), plus EXPLAIN QUERY PLAN for each. One run.
 *
 *   node bench/sweep-query.mjs [--rows 100000] [--due-percent 1] [--ticks 7] [--reps 15] [--write]
 *
 * The due rows point their renewals at an unreachable directory (https://127.0.0.1:9/dir): the Durable Objects
 * the tick hands them to fail fast, which is fine; what is measured is the tick itself.
 */
import { cpSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  capture, localAdminToken, stopAll, machineLine, markdownTable, median, option, request, runBench, runDirectory, startApi,
  writeResultsSection, REPO_ROOT,
} from "./lib.mjs";

const rows = option("rows", 100_000);
const duePercent = option("due-percent", 1);
const ticks = option("ticks", 9);
const reps = option("reps", 15);
const write = option("write", false);
const keep = option("keep", false);
const BATCH = 40;
const WRANGLER = join(REPO_ROOT, "node_modules", ".bin", "wrangler");

// The query src/services/renewal-sweep.ts builds with drizzle, written out (`NOT INDEXED` makes the baseline on the same file).
const sweepSql = (asOf, hint = "") =>
  `SELECT * FROM certificates ${hint}WHERE next_renewal_at IS NOT NULL AND next_renewal_at <= ${asOf} ORDER BY next_renewal_at ASC LIMIT ${BATCH}`;

const d1 = (persistTo, args) => capture(WRANGLER, ["d1", ...args, "DB", "--local", "--persist-to", persistTo].filter(Boolean));
const d1Json = async (persistTo, command) => JSON.parse(await d1(persistTo, ["execute", "--json", "--command", command]));

/**
 * The fill: one team, then every certificate generated inside SQLite by a recursive CTE so the SQL file stays
 * small. Row sizes are those of real rows (PEM leaf ~1.1 kB, chain ~1.6 kB, sealed key ~0.3 kB) because a scan
 * without the index reads all of them. Due rows are spread evenly (every 1/duePercent-th id), so nothing
 * but the index can find them early.
 */
function fillSql(asOf) {
  const every = Math.round(100 / duePercent);
  const issuance = JSON.stringify({ challengeType: "http-01", dnsProvider: null, keySpec: { keyType: "ec", curve: "P-256" }, email: null, staging: false, directoryUrl: "https://127.0.0.1:9/dir" });
  const day = 86_400_000;
  return `INSERT INTO teams (id, slug, name, created_at) VALUES ('team_bench', 'bench', 'Bench', ${asOf - 90 * day});
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${rows})
INSERT INTO certificates (id, team_id, project_id, type, state, domain, names, certificate_pem, chain_pem, sealed_key, key_type,
  issuer, serial, fingerprint, issued_at, expires_at, auto_renew, issuance, next_renewal_at, renewal_failures, created_at, updated_at)
SELECT printf('crt_bench_%07d', n), 'team_bench', NULL, 'letsencrypt', 'active', printf('h%07d.bench.test', n), printf('["h%07d.bench.test"]', n),
  hex(randomblob(550)), hex(randomblob(800)), hex(randomblob(150)), 'EC-P256', 'Pebble', hex(randomblob(16)), hex(randomblob(32)),
  ${asOf - 60 * day}, ${asOf + 30 * day}, 1, '${issuance}',
  CASE WHEN n % ${every} = 0 THEN ${asOf - day} + n ELSE ${asOf + day} + n * 1000 END, 0, ${asOf - 60 * day}, ${asOf - 60 * day}
FROM seq;
`;
}

const plan = (result) => result.results.map((r) => r.detail).join("; ");

await runBench(async () => {
  const dir = runDirectory("sweep-query");
  console.log(`working directory ${dir}`);
  const indexed = join(dir, "indexed");
  const unindexed = join(dir, "no-index");
  const asOf = Date.now();
  try {
    await d1(indexed, ["migrations", "apply"]);
    writeFileSync(join(dir, "fill.sql"), fillSql(asOf));
    let started = performance.now();
    await d1(indexed, ["execute", "--file", join(dir, "fill.sql")]);
    console.log(`filled ${rows} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    // The baseline database: the same file, index dropped (no wrangler runs on it while it is copied).
    cpSync(indexed, unindexed, { recursive: true });
    await d1Json(unindexed, "DROP INDEX certificates_renewal_idx");

    const [counts] = await d1Json(indexed, `SELECT count(*) AS total, sum(next_renewal_at <= ${asOf}) AS due FROM certificates`);
    const { total, due } = counts.results[0];
    console.log(`${total} certificates, ${due} due`);

    const plans = {
      "with index": plan((await d1Json(indexed, `EXPLAIN QUERY PLAN ${sweepSql(asOf)}`))[0]),
      "same database, `NOT INDEXED`": plan((await d1Json(indexed, `EXPLAIN QUERY PLAN ${sweepSql(asOf, "NOT INDEXED ")}`))[0]),
      "copy with the index dropped": plan((await d1Json(unindexed, `EXPLAIN QUERY PLAN ${sweepSql(asOf)}`))[0]),
    };
    for (const [k, v] of Object.entries(plans)) console.log(`plan ${k}: ${v}`);

    // The query alone, interleaved in one wrangler invocation per database; D1 reports whole milliseconds.
    const pair = `${sweepSql(asOf)}; ${sweepSql(asOf, "NOT INDEXED ")}`;
    const onIndexed = await d1Json(indexed, Array(reps).fill(pair).join("; "));
    const onUnindexed = await d1Json(unindexed, Array(reps).fill(sweepSql(asOf)).join("; "));
    const queryMs = {
      "with index": onIndexed.filter((_, i) => i % 2 === 0).map((r) => r.meta.duration),
      "same database, `NOT INDEXED`": onIndexed.filter((_, i) => i % 2 === 1).map((r) => r.meta.duration),
      "copy with the index dropped": onUnindexed.map((r) => r.meta.duration),
    };
    for (const result of [...onIndexed, ...onUnindexed]) if (result.results.length !== BATCH) throw new Error(`query returned ${result.results.length} rows`);

    // Whole ticks through the running Worker (`npm start`), alternating between the two databases.
    const admin = localAdminToken();
    const workers = {
      "with index": await startApi({ persistTo: indexed, logFile: join(dir, "worker-indexed.log") }),
      "copy with the index dropped": await startApi({ persistTo: unindexed, logFile: join(dir, "worker-no-index.log") }),
    };
    const tickMs = { "with index": [], "copy with the index dropped": [] };
    const tickOut = {};
    for (let t = 0; t <= ticks; t++) {
      for (const [name, worker] of Object.entries(workers)) {
        const res = await request("POST", `${worker.url}/api/v1/admin/renewal-sweep`, admin, { asOf: new Date(asOf).toISOString(), batchSize: BATCH });
        if (res.status !== 200) throw new Error(`renewal-sweep on ${name}: ${res.status} ${JSON.stringify(res.body)}`);
        console.log(`tick ${t === 0 ? "warm-up" : t} ${name}: ${res.ms.toFixed(1)} ms, due ${res.body.due}, dispatched ${res.body.dispatched}, failed ${res.body.failed}`);
        if (t > 0) tickMs[name].push(res.ms);
        tickOut[name] = res.body;
        // Let the dispatched Durable Objects finish failing before the next tick is timed.
        await new Promise((r) => setTimeout(r, 1500));
      }
    }

    // Ticks when nothing is due yet (the common case, every quarter hour): no hand-offs, so what is left is the
    // query inside the Worker plus the HTTP round trip.
    const idleMs = { "with index": [], "copy with the index dropped": [] };
    for (let t = 0; t <= ticks; t++) {
      for (const [name, worker] of Object.entries(workers)) {
        const res = await request("POST", `${worker.url}/api/v1/admin/renewal-sweep`, admin, { asOf: new Date(asOf - 2 * 86_400_000).toISOString(), batchSize: BATCH });
        if (res.status !== 200 || res.body.due !== 0) throw new Error(`idle renewal-sweep on ${name}: ${res.status} ${JSON.stringify(res.body)}`);
        if (t > 0) idleMs[name].push(res.ms);
      }
    }

    const fmt = (x) => x.toFixed(1);
    const qBase = median(queryMs["with index"]);
    const tBase = median(tickMs["with index"]);
    const table = markdownTable(
      ["", `sweep query alone: D1 meta.duration, median ms (${reps} reps)`, "ratio", `tick with ${BATCH} due via Worker: median ms (${ticks} ticks)`, "ratio", "due / dispatched / failed (last tick)", `tick with 0 due via Worker: median ms (${ticks} ticks)`, "ratio"],
      Object.keys(queryMs).map((name) => [
        name,
        fmt(median(queryMs[name])),
        name === "with index" ? "1" : `**${(median(queryMs[name]) / Math.max(qBase, 0.5)).toFixed(0)}×${qBase < 1 ? " (indexed < 1 ms, counted as 0.5)" : ""}**`,
        tickMs[name] ? fmt(median(tickMs[name])) : "—",
        tickMs[name] ? (name === "with index" ? "1" : `**${(median(tickMs[name]) / tBase).toFixed(2)}×**`) : "—",
        tickOut[name] ? `${tickOut[name].due} / ${tickOut[name].dispatched} / ${tickOut[name].failed}` : "—",
        idleMs[name] ? fmt(median(idleMs[name])) : "—",
        idleMs[name] ? (name === "with index" ? "1" : `**${(median(idleMs[name]) / median(idleMs["with index"])).toFixed(1)}×**`) : "—",
      ]),
    );
    const plansMd = Object.entries(plans).map(([k, v]) => `- ${k}: \`${v}\``).join("\n");
    const raw = Object.entries({ ...Object.fromEntries(Object.entries(queryMs).map(([k, v]) => [`query ${k}`, v])), ...Object.fromEntries(Object.entries(tickMs).map(([k, v]) => [`tick ${k}`, v.map(fmt)])), ...Object.fromEntries(Object.entries(idleMs).map(([k, v]) => [`idle tick ${k}`, v.map(fmt)])) })
      .map(([k, v]) => `- ${k}: ${v.join(", ")}`)
      .join("\n");
    console.log(`\n${table}\n\nEXPLAIN QUERY PLAN\n${plansMd}\n\nraw (ms)\n${raw}\n`);
    if (write) {
      writeResultsSection(
        "sweep-query",
        `## 3. Renewal sweep tick over ${total.toLocaleString("en")} certificates (${due} due)

${machineLine()}

\`\`\`sh
node bench/sweep-query.mjs --rows ${rows} --due-percent ${duePercent} --ticks ${ticks} --reps ${reps} --write
\`\`\`

Local D1 (workerd's SQLite under \`wrangler dev\` / \`wrangler d1 execute\`), rows of realistic size; the query is the one in src/services/renewal-sweep.ts
(\`${sweepSql("?")}\`), batch ${BATCH}. Tick = wall time of \`POST /api/v1/admin/renewal-sweep\` on \`npm start\`
(query + ${BATCH} Durable Object hand-offs; 1.5 s pause after each so the failing renewals settle), ticks alternating between the two
Workers; "0 due" ticks use an \`asOf\` before every due row (query + HTTP only). Ratios are to the indexed row. D1 reports whole
milliseconds and the indexed query sits at that resolution (a median under 1 ms is counted as 0.5 ms), so its ratio is approximate.
The 40-due tick is dominated by the 40 Durable Object hand-offs; the 0-due tick shows the query's share of a tick.

${table}

EXPLAIN QUERY PLAN:

${plansMd}

<details><summary>raw samples (ms)</summary>

${raw}

</details>`,
      );
    }
  } finally {
    // Hundreds of MB of SQLite per copy: do not leave them in bench/out/ unless asked.
    if (!keep) {
      await stopAll();
      for (const path of [indexed, unindexed]) rmSync(path, { recursive: true, force: true });
    }
  }
});
