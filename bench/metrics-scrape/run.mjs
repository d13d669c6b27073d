#!/usr/bin/env node
/**
 * `GET /metrics` at 100,000 and 1,000,000 certificates: scrape time and size over HTTP, and D1's rows_read of every
 * statement the scrape runs.
 *
 *   node bench/metrics-scrape/run.mjs [--sizes 100000,1000000] [--teams 3000] [--due 35000] [--failing-every 10]
 *     [--scrapes 5] [--write]
 *
 * 1. For each size, a local D1 migrated as the Worker's and seeded as the renewal capacity benchmark seeds it
 *    (renewal-capacity/seed.mjs: a power law of teams, the ACME and uploaded mix, real row sizes), at asOf = now;
 *    every `--failing-every`-th row due today is marked as failing to renew (renewal_failures = 1).
 * 2. The scrape's statements (SQL and parameters from drizzle, scrape-sql.ts), for the operator and for the largest
 *    team, each run on that D1 through Miniflare as `wrangler d1 execute --local` runs it: rows_read summed.
 * 3. The Worker under `wrangler dev` (a copy of src/, renewal-capacity/worker.mjs) on that state: `--scrapes` scrapes
 *    with the operator token and with a `projects:read` token of the largest team; wall time (median) and bytes.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { machineLine, markdownTable, median, option, request, runBench, runDirectory, stopProcess, writeResultsSection, REPO_ROOT } from "../lib.mjs";
import { openLocalD1, seedCertificates } from "../renewal-capacity/seed.mjs";
import { applyMigrations, snapshotWorker, startWorker } from "../renewal-capacity/worker.mjs";

const sizes = String(option("sizes", "100000,1000000")).split(",").map(Number);
const teams = option("teams", 3_000);
const due = option("due", 35_000);
const failingEvery = option("failing-every", 10);
const scrapes = option("scrapes", 5);
const write = option("write", false);
const LARGEST_TEAM = "team_000001";

const fmt = (x, digits = 0) => Number(x).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The statements one scrape runs, from the source. */
function scrapeStatements(now, teamId) {
  const out = execFileSync(join(REPO_ROOT, "node_modules", ".bin", "tsx"), [join(REPO_ROOT, "bench", "metrics-scrape", "scrape-sql.ts"), String(now), ...(teamId ? [teamId] : [])], { cwd: REPO_ROOT, encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").pop());
}

/** Each statement's rows_read on the D1 under `persistTo`, and the database's shape. */
async function measureStatements(persistTo, now) {
  const db = await openLocalD1(persistTo);
  try {
    const read = async (statements) => {
      const each = [];
      for (const { sql, params } of statements) {
        const result = await db.run(sql, ...params);
        each.push({ kind: /WITH RECURSIVE/.test(sql) ? "aggregates (ACME, uploaded)" : /FROM certificate_authorities ca/.test(sql) ? "aggregates (private)" : /INDEXED BY "certificates_renewal_failing_idx"/.test(sql) ? "series: failing" : /from "certificates"/.test(sql) ? "series: nearest expiry" : /from "certificate_authorities"/.test(sql) ? "series: private" : /from "(\w+)"/.exec(sql)?.[1] ?? "?", rowsRead: result.meta.rows_read, returned: result.results.length });
      }
      return each;
    };
    const operator = await read(scrapeStatements(now).statements);
    const team = await read(scrapeStatements(now, LARGEST_TEAM).statements);
    const [shape] = (await db.run(`SELECT count(*) AS total, sum(expires_at <= ?) AS expired, sum(expires_at > ? AND expires_at <= ?) AS within30, sum(renewal_failures > 0) AS failing, sum(team_id = ?) AS largest FROM certificates`, now, now, now + 30 * 86_400_000, LARGEST_TEAM)).results;
    const [groups] = (await db.run(`SELECT count(*) AS n FROM (SELECT DISTINCT team_id, type, issuer, state FROM certificates)`)).results;
    return { operator, team, shape: { ...shape, groups: groups.n } };
  } finally {
    await db.close();
  }
}

async function scrapeOver(url, token, count) {
  const runs = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`GET /metrics: ${res.status} ${body.slice(0, 200)}`);
    runs.push({ ms: performance.now() - started, bytes: Buffer.byteLength(body), lines: body.split("\n").length - 1, truncated: /certdesk_metrics_truncated\{part="certificates"\} 1/.test(body) });
  }
  return { ms: median(runs.map((r) => r.ms)), min: Math.min(...runs.map((r) => r.ms)), bytes: runs[0].bytes, lines: runs[0].lines, truncated: runs[0].truncated };
}

async function main() {
  const dir = runDirectory("metrics-scrape");
  const root = snapshotWorker(dir);
  const adminToken = /^ADMIN_TOKEN=(.*)$/m.exec(execFileSync("cat", [join(root, ".dev.vars")], { encoding: "utf8" }))?.[1]?.trim() ?? "local-admin-token";
  const results = [];
  for (const rows of sizes) {
    const persistTo = join(dir, `state-${rows}`);
    const asOf = Date.now();
    const started = performance.now();
    await applyMigrations(root, persistTo);
    await seedCertificates(persistTo, { rows, due, teams, asOf, progress: (to) => console.log(`  ${fmt(to)} / ${fmt(rows)} rows (${((performance.now() - started) / 1000).toFixed(0)} s)`) });
    const db = await openLocalD1(persistTo);
    await db.run(`UPDATE certificates SET renewal_failures = 1 WHERE id > 'cert_d' AND id < 'cert_e' AND CAST(substr(id, 7) AS INTEGER) % ${failingEvery} = 0`);
    await db.close();
    const seedSeconds = (performance.now() - started) / 1000;
    const now = Date.now();
    const statements = await measureStatements(persistTo, now);
    console.log(`${fmt(rows)}: seeded in ${seedSeconds.toFixed(0)} s; ${JSON.stringify(statements.shape)}`);
    console.log(`  operator statements: ${statements.operator.map((s) => `${s.kind} ${fmt(s.rowsRead)}`).join(", ")}`);

    const worker = await startWorker({ root, persistTo, logFile: join(dir, `wrangler-${rows}.log`) });
    try {
      const created = await request("POST", `${worker.url}/api/v1/admin/tokens`, adminToken, { teamId: LARGEST_TEAM, name: "bench-metrics", scopes: ["projects:read"] });
      if (created.status !== 200 && created.status !== 201) throw new Error(`token: ${created.status} ${JSON.stringify(created.body)}`);
      // One scrape first, not counted: the Worker's first request compiles and warms it.
      await scrapeOver(worker.url, adminToken, 1);
      const operator = await scrapeOver(worker.url, adminToken, scrapes);
      const team = await scrapeOver(worker.url, created.body.token, scrapes);
      console.log(`  operator scrape: ${operator.ms.toFixed(0)} ms, ${fmt(operator.bytes)} bytes; largest team: ${team.ms.toFixed(0)} ms, ${fmt(team.bytes)} bytes`);
      results.push({ rows, seedSeconds, statements, operator, team });
    } finally {
      await stopProcess(worker.handle);
    }
  }

  const sum = (list) => list.reduce((s, x) => s + x.rowsRead, 0);
  const table = markdownTable(
    ["certificates", "scrape", "median ms (min)", "bytes", "lines", "series truncated", "D1 rows read per scrape", "of which aggregates"],
    results.flatMap((r) => [
      [fmt(r.rows), "operator (every team)", `${fmt(r.operator.ms)} (${fmt(r.operator.min)})`, fmt(r.operator.bytes), fmt(r.operator.lines), r.operator.truncated ? "yes" : "no", fmt(sum(r.statements.operator)), fmt(sum(r.statements.operator.filter((s) => s.kind.startsWith("aggregates"))))],
      [fmt(r.rows), `largest team (${fmt(r.statements.shape.largest)} certificates)`, `${fmt(r.team.ms)} (${fmt(r.team.min)})`, fmt(r.team.bytes), fmt(r.team.lines), r.team.truncated ? "yes" : "no", fmt(sum(r.statements.team)), fmt(sum(r.statements.team.filter((s) => s.kind.startsWith("aggregates"))))],
    ]),
  );
  const perStatement = markdownTable(
    ["certificates", "statement (operator scrape)", "rows read", "rows returned"],
    results.flatMap((r) => r.statements.operator.map((s) => [fmt(r.rows), s.kind, fmt(s.rowsRead), fmt(s.returned)])),
  );
  const shapes = results.map((r) => `${fmt(r.rows)}: ${fmt(r.statements.shape.groups)} groups (team × type × issuer × status), ${fmt(r.statements.shape.within30)} certificates expiring within 30 days, ${fmt(r.statements.shape.expired)} expired, ${fmt(r.statements.shape.failing)} failing to renew; seeded in ${r.seedSeconds.toFixed(0)} s`).join("; ");
  // What the rows read follow: about ten per group and one per certificate within 30 days of expiry (or expired).
  const reading = results
    .map((r) => `at ${fmt(r.rows)}, the aggregates read ${fmt(sum(r.statements.operator.filter((s) => s.kind.startsWith("aggregates"))))} rows for ${fmt(r.statements.shape.groups)} groups and ${fmt(r.statements.shape.within30 + r.statements.shape.expired)} certificates within 30 days or expired (${((100 * sum(r.statements.operator)) / r.rows).toFixed(0)} % of the table's rows for the whole scrape)`)
    .join("; ");
  const largest = results.find((r) => r.rows === 1_000_000);
  const line = largest ? `metrics scrape at 1,000,000 certificates: ${Math.round(largest.operator.ms)} ms` : "";
  const markdown = `## Metrics scrape at 100,000 and 1,000,000 certificates (\`GET /metrics\`, issue 25)

\`\`\`sh
node bench/metrics-scrape/run.mjs --sizes ${sizes.join(",")} --teams ${teams} --due ${due} --failing-every ${failingEvery} --scrapes ${scrapes} --write
\`\`\`

${machineLine()}

Local D1 migrated and seeded as the renewal capacity benchmark seeds it ([renewal-capacity/seed.mjs](renewal-capacity/seed.mjs), ${fmt(teams)} teams, a power law; ${fmt(due)} rows due today, every ${failingEvery}th of them marked as failing to renew). ${shapes}. Scrapes over HTTP against \`wrangler dev\` of a copy of src/ on that state (${scrapes} each after one warm-up, median wall time until the whole body is read). Rows read: D1's meta.rows_read of each statement the scrape runs (SQL from drizzle, [scrape-sql.ts](metrics-scrape/scrape-sql.ts)), run on the same database through Miniflare as \`wrangler d1 execute --local\` runs it. The per-certificate series stop at 1,000 (METRICS_CERTIFICATE_SERIES), those failing to renew and those nearest expiry first; the aggregates count every certificate.

${table}

${perStatement}

Reading: ${reading}. The seeding keeps the same ${fmt(due)} rows due today at every size (as the renewal capacity benchmark compares its two databases), so the smaller database holds a larger share near expiry. The failing series read every failing row through their partial index to keep the ${fmt(1000)} soonest.

${line}
`;
  console.log(markdown);
  if (write) writeResultsSection("metrics-scrape", markdown);
}

runBench(main);
