#!/usr/bin/env node
/**
 * Renewal capacity: how many renewals a day the pipeline (cron tick → claim → renewal queue → consumer → the
 * certificate's Durable Object → CA) sustains on this machine, with 1,000,000 certificates in the local D1.
 *
 *   node bench/renewal-capacity/run.mjs [--rows 1000000] [--small-rows 100000] [--due 35000] [--teams 3000]
 *     [--reps 3] [--idle-ticks 5] [--renewals 500] [--renew-teams 50] [--keep] [--reuse <dir>] [--write]
 *
 * 1. Seeds two local D1 databases with the same due rows (`--due`, "today"): `--rows` certificates and
 *    `--small-rows` (the rows not due are the only difference), generated inside SQLite (seed.mjs).
 * 2. The claim statement of src/store/renewal-claims.ts (SQL from drizzle, claim-sql.ts) on both, one statement per
 *    tick (LIMIT RENEWALS_PER_TICK, as src/services/renewal-sweep.ts claims a tick) through the day's due rows, through
 *    certificates_renewal_idx as the migrations leave it: D1's rows_read, rows_written and duration. Then the same
 *    drains as src/ claimed before migration 0006 and the one-statement change (pages of 500 through the two-column
 *    index), and each of those two changes alone, for reference.
 * 3. Both databases under `wrangler dev` as `npm start` runs it (of a copy of the Worker, worker.mjs): ticks via
 *    POST /api/v1/admin/renewal-sweep (batch RENEWALS_PER_TICK) and the consumer draining each tick's messages (the
 *    due rows are ones the consumer acknowledges without a renewal).
 * 4. Real renewals: the e2e environment (Pebble with HTTP-01 validation, challtestsrv, wrangler dev), `--renewals`
 *    certificates obtained through the API, one sweep with an asOf at which all are due, timed until all renewed.
 * Then N = min(what the cron enqueues a day, what the consumer renews a day), printed as `renewal capacity: N renewals/day`.
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startE2eEnvironment } from "../../scripts/pebble/e2e-environment.mjs";
import { ensureTestCa } from "../../scripts/pebble/test-ca.mjs";
import {
  createProject, freeTcpPorts, localAdminToken, machineLine, markdownTable, median, option, request, runBench, runDirectory, stopProcess,
  writeResultsSection, REPO_ROOT,
} from "../lib.mjs";
import { batchConcurrency, groupCpuSeconds, LogTail, QueueWatch } from "./observe.mjs";
import { DAY_MS, MIX, openLocalD1, rearmDueSql, seedCertificates } from "./seed.mjs";
import { applyMigrations, snapshotWorker, startWorker } from "./worker.mjs";

const rows = option("rows", 1_000_000);
const smallRows = option("small-rows", 100_000);
const due = option("due", 35_000);
const teams = option("teams", 3_000);
const reps = option("reps", 3);
const idleTicks = option("idle-ticks", 5);
const renewals = option("renewals", 500);
const renewTeams = option("renew-teams", 50);
const keep = option("keep", false);
const reuse = option("reuse", "");
const write = option("write", false);
const SEED_BATCH = 100_000;
const OBTAIN_CONCURRENCY = 4;
const HERE = join(REPO_ROOT, "bench", "renewal-capacity");

const fmt = (x, digits = 0) => (x === undefined || x === null || Number.isNaN(x) ? "—" : Number(x).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Rounded down to 3 significant digits: what the measurement supports, never more. */
const floor3 = (x) => {
  const unit = 10 ** Math.max(0, Math.floor(Math.log10(Math.max(1, x))) - 2);
  return Math.floor(x / unit) * unit;
};

/** The claim statement and the pipeline's constants, from the source (claim-sql.ts runs it through drizzle). */
function claimStatement(asOf, limit, until) {
  const out = execFileSync(join(REPO_ROOT, "node_modules", ".bin", "tsx"), [join(HERE, "claim-sql.ts"), String(asOf), String(limit), String(until)], { cwd: REPO_ROOT, encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").pop());
}

/**
 * Values the pipeline runs with that are not exported: the cron, the consumer's settings. And a check that the sweep
 * still claims a tick as part A measures it: one claimDueInTurns call, for the tick's whole limit.
 */
function pipelineSettings() {
  const sweep = readFileSync(join(REPO_ROOT, "src", "services", "renewal-sweep.ts"), "utf8");
  const claimCalls = sweep.match(/claimDueInTurns\(/g)?.length ?? 0;
  const oneClaimPerTick = claimCalls === 1 && /claimDueInTurns\(deps\.db, asOf, limit, /.test(sweep) && /limit: number = deps\.config\.RENEWALS_PER_TICK\b/.test(sweep);
  if (!oneClaimPerTick) throw new Error("src/services/renewal-sweep.ts no longer claims a tick with one claimDueInTurns(deps.db, asOf, limit, …) call (limit = RENEWALS_PER_TICK): part A measures that; adapt it");
  const toml = readFileSync(join(REPO_ROOT, "wrangler.toml"), "utf8");
  const cron = /crons\s*=\s*\["([^"]+)"\]/.exec(toml)?.[1];
  const every = /^\*\/(\d+) \* \* \* \*$/.exec(cron ?? "")?.[1];
  const consumer = toml.split("[[queues.consumers]]").slice(1).find((block) => /queue\s*=\s*"certdesk-renewals"/.test(block)) ?? "";
  const setting = (name) => Number(new RegExp(`${name}\\s*=\\s*(\\d+)`).exec(consumer)?.[1]);
  if (!every || !setting("max_batch_size")) throw new Error("could not read the cron or the renewal queue's consumer (wrangler.toml)");
  return { cron, ticksPerDay: 1440 / Number(every), maxBatchSize: setting("max_batch_size"), maxConcurrency: setting("max_concurrency"), maxBatchTimeout: setting("max_batch_timeout") };
}

/**
 * The claim as src/ made it before migrations/0006_renewal_claim_covering_index.sql and the one-statement-per-tick
 * change, the reference of part A: pages of BEFORE_PAGE_SIZE (src/services/renewal-sweep.ts's PAGE_SIZE then) through
 * the two-column index (migrations/0004_renewal_queue.sql's definition, which 0006 replaced).
 */
const BEFORE_PAGE_SIZE = 500;
const RENEWAL_IDX = "certificates_renewal_idx";
const BEFORE_INDEX_SQL = `CREATE INDEX ${RENEWAL_IDX} ON certificates (next_renewal_at, renewal_queued_until) WHERE next_renewal_at IS NOT NULL`;

/** certificates_renewal_idx as the migrations leave it: the last CREATE INDEX of it in `<root>/migrations` and its file. */
function renewalIndexOfMigrations(root) {
  const dir = join(root, "migrations");
  let found;
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".sql")).sort()) {
    for (const part of readFileSync(join(dir, file), "utf8").split("--> statement-breakpoint")) {
      const sql = part.trim().replace(/;\s*$/, "");
      if (new RegExp(`^CREATE INDEX \`?${RENEWAL_IDX}\`? `, "i").test(sql)) found = { file, sql };
    }
  }
  if (!found) throw new Error(`no CREATE INDEX ${RENEWAL_IDX} in ${dir}`);
  return found;
}

const normalizeSql = (sql) => String(sql ?? "").replace(/\s+/g, " ").trim();

/**
 * Makes certificates_renewal_idx on `db` the migrations' definition (`migrationSql`) if it is not (a run interrupted
 * in a "before" variant, with --reuse), and checks it is; true when it had to be recreated.
 */
async function ensureMigrationIndex(db, migrationSql) {
  const current = async () => (await db.run(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`, RENEWAL_IDX)).results[0]?.sql;
  if (normalizeSql(await current()) === normalizeSql(migrationSql)) return false;
  await db.run(`DROP INDEX IF EXISTS ${RENEWAL_IDX}`);
  await db.run(migrationSql);
  const now = await current();
  if (normalizeSql(now) !== normalizeSql(migrationSql)) throw new Error(`${RENEWAL_IDX} is ${now}, not the migrations' ${migrationSql}`);
  return true;
}

function d1FileBytes(persistTo) {
  const dir = join(persistTo, "v3", "d1", "miniflare-D1DatabaseObject");
  return readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite").reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

// ---------------------------------------------------------------------------------------------------------------------
// 1. Seed

async function seedDatabase(root, persistTo, total, asOf) {
  const started = performance.now();
  await applyMigrations(root, persistTo);
  await seedCertificates(persistTo, {
    rows: total, due, teams, asOf, batch: SEED_BATCH,
    progress: (to) => console.log(`  ${persistTo.split("/").pop()}: ${fmt(to)} / ${fmt(total)} rows (${((performance.now() - started) / 1000).toFixed(0)} s)`),
  });
  return { seconds: (performance.now() - started) / 1000 };
}

async function describeDatabase(persistTo, asOf) {
  const db = await openLocalD1(persistTo);
  try {
    const one = async (sql, ...params) => (await db.run(sql, ...params)).results;
    const [counts] = await one(`SELECT count(*) AS total, sum(next_renewal_at <= ?) AS due, sum(next_renewal_at IS NULL) AS never, count(DISTINCT team_id) AS teams FROM certificates`, asOf);
    const [largest] = await one(`SELECT team_id AS team, count(*) AS n, sum(next_renewal_at <= ?) AS due FROM certificates GROUP BY team_id ORDER BY n DESC LIMIT 1`, asOf);
    const dueByTeam = await one(`SELECT team_id AS team, count(*) AS n FROM certificates WHERE next_renewal_at <= ? GROUP BY team_id ORDER BY n DESC`, asOf);
    const mix = await one(`SELECT type, (expires_at - issued_at) / ${DAY_MS} AS days, count(*) AS n, sum(next_renewal_at <= ?) AS due FROM certificates GROUP BY 1, 2 ORDER BY 1, 2`, asOf);
    const [claimed] = await one(`SELECT count(*) AS n FROM certificates WHERE renewal_queued_until IS NOT NULL`);
    return { ...counts, largest, dueByTeam, mix, claimed: claimed.n, bytes: d1FileBytes(persistTo) };
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// 2. The claim statement, tick by tick

const RESET_SQL = `UPDATE certificates SET renewal_queued_until = NULL WHERE next_renewal_at IS NOT NULL AND next_renewal_at <= ? AND renewal_queued_until IS NOT NULL`;

/**
 * Drains of the day's due rows by `statement` on every database, `reps` times, the databases alternating statement by
 * statement: each statement's returned rows, D1 rows_read / rows_written / duration and wall time; claims cleared after
 * each drain. `setup` / `teardown` (lists of SQL statements) run on every database before / after (the "before"
 * variants: the index as it was, then the migrations' one again).
 */
async function drainsOf(dbs, { statement, setup = [], teardown = [] }, asOf) {
  const plans = {};
  for (const [name, db] of Object.entries(dbs)) {
    await db.run(RESET_SQL, asOf);
    for (const sql of setup) await db.run(sql);
    plans[name] = (await db.run(`EXPLAIN QUERY PLAN ${statement.sql}`, ...statement.params)).results.map((r) => r.detail).join("; ");
  }
  const drains = Object.fromEntries(Object.keys(dbs).map((n) => [n, []]));
  for (let rep = 1; rep <= reps; rep++) {
    const statements = Object.fromEntries(Object.keys(dbs).map((n) => [n, []]));
    const active = new Set(Object.keys(dbs));
    for (let i = 0; active.size > 0; i++) {
      // Alternate which database goes first, statement by statement and rep by rep.
      const order = (i + rep) % 2 ? Object.keys(dbs) : Object.keys(dbs).reverse();
      for (const name of order) {
        if (!active.has(name)) continue;
        const started = performance.now();
        const result = await dbs[name].run(statement.sql, ...statement.params);
        const wallMs = performance.now() - started;
        statements[name].push({ returned: result.results.length, rowsRead: result.meta.rows_read, rowsWritten: result.meta.rows_written, ms: result.meta.duration, wallMs });
        if (result.results.length === 0) active.delete(name);
      }
    }
    for (const [name, db] of Object.entries(dbs)) {
      drains[name].push(statements[name]);
      await db.run(RESET_SQL, asOf);
    }
    console.log(`  drain ${rep}/${reps}: ${Object.entries(statements).map(([n, p]) => `${n} ${p.length} statements, ${fmt(p.reduce((s, x) => s + x.rowsRead, 0))} rows read, ${fmt(p.reduce((s, x) => s + x.ms, 0))} ms`).join("; ")}`);
  }
  for (const db of Object.values(dbs)) for (const sql of teardown) await db.run(sql);
  return { plans, drains };
}

/**
 * The claim as src/ makes it (`claim`, through the migrations' certificates_renewal_idx), the idle claim, then each of
 * `references` in order (its own statement, setup and teardown); the index is checked to be the migrations' before the
 * drains and after each teardown, and each reference's plan to go through the index it names (`twoColumnIndex`).
 */
async function claimDrains(dirs, claim, idleClaim, references, migrationIndexSql, asOf) {
  const dbs = {};
  for (const [name, dir] of Object.entries(dirs)) dbs[name] = await openLocalD1(dir);
  try {
    for (const [name, db] of Object.entries(dbs)) {
      if (await ensureMigrationIndex(db, migrationIndexSql)) console.log(`  ${name}: ${RENEWAL_IDX} was not the migrations' (an interrupted run?): recreated`);
    }
    console.log("  the claim as it is");
    const { plans, drains } = await drainsOf(dbs, { statement: claim }, asOf);
    const idle = Object.fromEntries(Object.keys(dbs).map((n) => [n, []]));
    for (let i = 0; i < reps * 5; i++) {
      for (const name of i % 2 ? Object.keys(dbs) : Object.keys(dbs).reverse()) {
        const result = await dbs[name].run(idleClaim.sql, ...idleClaim.params);
        if (result.results.length !== 0) throw new Error(`idle claim on ${name} claimed ${result.results.length}`);
        idle[name].push({ rowsRead: result.meta.rows_read, ms: result.meta.duration });
      }
    }
    const before = [];
    for (const variant of references) {
      console.log(`  ${variant.label}`);
      const drained = await drainsOf(dbs, variant, asOf);
      before.push({ ...variant, ...drained });
      if (!variant.teardown) continue;
      for (const [name, db] of Object.entries(dbs)) {
        if (await ensureMigrationIndex(db, migrationIndexSql)) throw new Error(`${name}: the teardown of "${variant.label}" did not restore the migrations' ${RENEWAL_IDX}`);
      }
    }
    // Each variant's plan shows the index it went through: the two-column one (USING INDEX, not COVERING) or the migrations'.
    for (const v of before) {
      const throughOld = Object.values(v.plans).every((plan) => plan.includes(`USING INDEX ${RENEWAL_IDX}`));
      if (throughOld !== v.twoColumnIndex) throw new Error(`"${v.label}" ran with plan ${JSON.stringify(v.plans)}`);
    }
    return { plans, drains, idle, before };
  } finally {
    for (const db of Object.values(dbs)) await db.close();
  }
}

/**
 * Groups a drain's statements into the ticks that would run them, each statement claiming at most `statementLimit`:
 * statements until the tick has `perTick`, a short one ends the tick (src/services/renewal-sweep.ts before the change:
 * pages of 500, 8 to a tick). With `statementLimit` ≥ `perTick` (src/ now: one statement of LIMIT RENEWALS_PER_TICK)
 * every statement is a tick of its own.
 */
function ticksOf(statements, perTick, statementLimit) {
  const ticks = [];
  let i = 0;
  while (i < statements.length) {
    const tick = { statements: 0, claimed: 0, rowsRead: 0, rowsWritten: 0, ms: 0, wallMs: 0, backlog: undefined };
    while (tick.claimed < perTick && i < statements.length) {
      const one = statements[i++];
      tick.statements++;
      tick.claimed += one.returned;
      tick.rowsRead += one.rowsRead;
      tick.rowsWritten += one.rowsWritten;
      tick.ms += one.ms;
      tick.wallMs += one.wallMs;
      if (one.returned < Math.min(statementLimit, perTick - (tick.claimed - one.returned))) break;
    }
    ticks.push(tick);
  }
  let left = statements.reduce((n, p) => n + p.returned, 0);
  for (const tick of ticks) {
    tick.backlog = left;
    left -= tick.claimed;
  }
  return ticks;
}

// ---------------------------------------------------------------------------------------------------------------------
// 3. Ticks through the Worker, and the consumer draining them

async function workerTicks(root, dirs, asOf, perTick, dir) {
  const admin = localAdminToken();
  const apis = {};
  for (const [name, persistTo] of Object.entries(dirs)) {
    const logFile = join(dir, `worker-${name}.log`);
    await applyMigrations(root, persistTo);
    const api = await startWorker({ root, persistTo, logFile });
    const tail = new LogTail(logFile);
    apis[name] = { ...api, tail, watch: new QueueWatch(tail) };
    console.log(`  npm start on ${name}: ${api.url}`);
  }
  const sweep = (api, at) => request("POST", `${api.url}/api/v1/admin/renewal-sweep`, admin, { asOf: new Date(at).toISOString(), batchSize: perTick });
  const idleAsOf = asOf - 2 * DAY_MS;
  try {
    // Warm-up: one tick that finds nothing on each (isolate, D1 connection, route).
    for (const api of Object.values(apis)) for (let i = 0; i < 2; i++) await sweep(api, idleAsOf);
    // The day: ticks at asOf on each database in turn, each drained before the next, until a tick finds nothing. A row
    // the consumer skips as never renewable leaves the schedule, so the day ends; were it only given back, it would be
    // due again and claimed again (counted as `again`), and the day would not end: stop after a few extra ticks then.
    const names = Object.keys(apis);
    const ticks = Object.fromEntries(names.map((n) => [n, []]));
    const claimedSoFar = Object.fromEntries(names.map((n) => [n, new Set()]));
    const finished = new Set();
    const maxTicks = Math.ceil(due / perTick) + 3;
    let endless = false;
    for (let t = 1; finished.size < names.length; t++) {
      if (t > maxTicks) {
        endless = true;
        break;
      }
      for (const name of t % 2 ? names : [...names].reverse()) {
        if (finished.has(name)) continue;
        const api = apis[name];
        const backlog = due - claimedSoFar[name].size;
        const cpu0 = groupCpuSeconds([api.pgid])[api.pgid];
        const t0 = performance.now();
        const res = await sweep(api, asOf);
        if (res.status !== 200) throw new Error(`renewal-sweep on ${name}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
        if (res.body.due === 0) {
          ticks[name].push({ tick: t, backlog, ms: res.ms, due: 0, enqueued: 0, failed: 0, again: 0 });
          finished.add(name);
          console.log(`  tick ${t} ${name}: ${fmt(res.ms)} ms, nothing due: the day is done`);
          continue;
        }
        const seen = await api.watch.until(t0, (x) => x.delivered >= res.body.enqueued && x.settled >= res.body.enqueued, 15 * 60_000);
        const drainEnd = Math.max(...seen.batches.map((b) => b.at));
        const cpu = groupCpuSeconds([api.pgid])[api.pgid] - cpu0;
        const again = res.body.ids.filter((id) => claimedSoFar[name].has(id)).length;
        for (const id of res.body.ids) claimedSoFar[name].add(id);
        const tick = {
          tick: t, backlog, ms: res.ms, due: res.body.due, enqueued: res.body.enqueued, failed: res.body.failed, again,
          drainMs: drainEnd - t0, batches: seen.batches.length, acked: seen.acked, outcomes: seen.outcomes, concurrency: batchConcurrency(seen.batches), cpu,
        };
        ticks[name].push(tick);
        console.log(`  tick ${t} ${name}: ${fmt(tick.ms)} ms, due ${tick.due}, enqueued ${tick.enqueued}, failed ${tick.failed}; drained in ${(tick.drainMs / 1000).toFixed(1)} s (${tick.batches} batches, ${JSON.stringify(tick.outcomes)}), Worker CPU ${cpu.toFixed(1)} s, ${again} claimed before`);
        await sleep(1000);
      }
    }
    const idle = Object.fromEntries(Object.keys(apis).map((n) => [n, []]));
    for (let i = 0; i < idleTicks; i++) {
      for (const name of i % 2 ? Object.keys(apis).reverse() : Object.keys(apis)) {
        const res = await sweep(apis[name], idleAsOf);
        if (res.status !== 200 || res.body.due !== 0) throw new Error(`idle renewal-sweep on ${name}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
        idle[name].push(res.ms);
      }
    }
    return { ticks, idle, endless };
  } finally {
    for (const api of Object.values(apis)) {
      api.watch.stop();
      api.tail.stop();
      await stopProcess(api.handle, 8000);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// 4. Real renewals against Pebble

async function pool(items, concurrency, work) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i], i);
      }
    }),
  );
  return results;
}

async function pebbleRenewals(root, dir) {
  // The e2e environment without its own wrangler dev: the Worker is the run's copy (worker.mjs), on the port Pebble validates HTTP-01 at.
  const [workerPort] = await freeTcpPorts(1);
  const environment = await startE2eEnvironment({ wrangler: false, workerPort, log: (line) => console.log(`  [e2e] ${line}`) });
  let worker;
  try {
    const { stack } = environment;
    const persistTo = join(dir, "pebble-state");
    const logFile = join(dir, "worker-pebble.log");
    rmSync(persistTo, { recursive: true, force: true });
    await applyMigrations(root, persistTo);
    // The variables scripts/pebble/e2e-environment.mjs gives its wrangler dev.
    worker = await startWorker({
      root, persistTo, logFile, port: workerPort, development: false,
      vars: {
        ADMIN_TOKEN: environment.values.adminToken,
        ENCRYPTION_KEY: randomBytes(32).toString("base64"),
        ACME_DIRECTORY_URL: environment.values.pebbleDirectoryUrl,
        ACME_STAGING_DIRECTORY_URL: environment.values.pebbleDirectoryUrl,
        DOH_RESOLVER_URL: environment.values.dohUrl,
        ISSUANCE_WAIT_SECONDS: "90",
      },
    });
    const values = { ...environment.values, workerUrl: worker.url, logFile };
    // As time-to-certificate.mjs: no deliberate bad nonces (each would add a retry to some renewals).
    await stack.main.restart({ nonceReject: 0 });
    const perTeam = Math.ceil(renewals / renewTeams);
    const teamTokens = [];
    for (let t = 0; t < renewTeams; t++) {
      const slug = `cap-${t}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      const team = await request("POST", `${values.workerUrl}/api/v1/teams`, values.adminToken, { slug, name: `Capacity ${t}` });
      if (team.status !== 200) throw new Error(`POST /api/v1/teams: ${team.status} ${JSON.stringify(team.body)}`);
      teamTokens.push(team.body.token);
    }
    const jobs = Array.from({ length: renewals }, (_, i) => ({ token: teamTokens[Math.floor(i / perTeam)], name: `r${i}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}.certdesk.test` }));
    let started = performance.now();
    // Round-robin over teams so the concurrent obtains are different teams' (each team's burst is CA_CALLS_BURST).
    const order = [...jobs.keys()].sort((a, b) => (a % perTeam) - (b % perTeam) || a - b);
    await pool(order, OBTAIN_CONCURRENCY, async (i) => {
      const job = jobs[i];
      job.projectId = await createProject(values.workerUrl, job.token, job.name);
      const res = await request("POST", `${values.workerUrl}/api/v1/projects/${job.projectId}/certificate/obtain`, job.token, { email: "bench@example.com", challengeType: "http-01", keyType: "ec" });
      if (res.status !== 200 || !res.body.certificate) throw new Error(`obtain ${job.name}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    });
    const obtainSeconds = (performance.now() - started) / 1000;
    console.log(`  obtained ${renewals} certificates (${renewTeams} teams) in ${obtainSeconds.toFixed(1)} s`);
    const read = (job) =>
      Promise.all([
        request("GET", `${values.workerUrl}/api/v1/projects/${job.projectId}/certificate`, job.token),
        request("GET", `${values.workerUrl}/api/v1/projects/${job.projectId}/certificate/status`, job.token),
      ]).then(([cert, status]) => ({ serial: cert.body.serial, nextRenewalAt: status.body.nextRenewalAt }));
    const before = await pool(jobs, OBTAIN_CONCURRENCY, read);
    if (before.some((b) => !b.serial || !b.nextRenewalAt)) throw new Error(`a certificate without serial or nextRenewalAt: ${JSON.stringify(before.find((b) => !b.serial || !b.nextRenewalAt))}`);
    const asOf = Math.max(...before.map((b) => Date.parse(b.nextRenewalAt))) + 60_000;
    const ordersBefore = stack.main.newOrderCount();

    const tail = new LogTail(values.logFile);
    const watch = new QueueWatch(tail);
    const groups = {
      "wrangler dev (workerd + wrangler)": worker.pgid,
      Pebble: stack.main.process.child.pid,
      "pebble-challtestsrv": stack.challtestsrv.child.pid,
    };
    const cpu0 = groupCpuSeconds(Object.values(groups));
    const self0 = process.cpuUsage();
    const t0 = performance.now();
    const res = await request("POST", `${values.workerUrl}/api/v1/admin/renewal-sweep`, values.adminToken, { asOf: new Date(asOf).toISOString(), batchSize: 4000 });
    if (res.status !== 200 || res.body.enqueued !== renewals) throw new Error(`renewal-sweep: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    const seen = await watch.until(t0, (s) => s.settled + (s.outcomes.pending ?? 0) >= renewals, 20 * 60_000);
    let doneAt = Math.max(...watch.outcomes.filter((o) => o.at >= t0).map((o) => o.at));
    const cpu1 = groupCpuSeconds(Object.values(groups));
    const self = process.cpuUsage(self0);
    watch.stop();
    tail.stop();
    // Every certificate read back: a new serial (renewals still pending in their object after the consumer's wait are polled).
    let after = await pool(jobs, OBTAIN_CONCURRENCY, read);
    for (let i = 0; (seen.outcomes.pending ?? 0) > 0 && after.some((a, j) => a.serial === before[j].serial) && i < 600; i++) {
      await sleep(500);
      after = await pool(jobs, OBTAIN_CONCURRENCY, read);
      doneAt = performance.now();
    }
    const renewed = after.filter((a, j) => a.serial && a.serial !== before[j].serial).length;
    const ordersPlaced = stack.main.newOrderCount() - ordersBefore;
    const cpu = Object.fromEntries(Object.entries(groups).map(([k, pgid]) => [k, cpu1[pgid] - cpu0[pgid]]));
    cpu["this script (HTTP-01 answers come from the Worker; the harness's DoH answers CAA)"] = (self.user + self.system) / 1e6;
    const elapsedMs = doneAt - t0;
    return {
      obtainSeconds, sweepMs: res.ms, due: res.body.due, enqueued: res.body.enqueued, outcomes: seen.outcomes, renewed, elapsedMs, ordersPlaced,
      batches: seen.batches, concurrency: batchConcurrency(seen.batches), cpu, perSecond: renewed / (elapsedMs / 1000),
    };
  } finally {
    await stopProcess(worker?.handle, 8000);
    await environment.stop();
  }
}

// ---------------------------------------------------------------------------------------------------------------------

async function main() {
  const settings = pipelineSettings();
  const dir = reuse ? resolve(reuse) : runDirectory("renewal-capacity");
  console.log(`working directory ${dir}`);
  const dirs = { [`${fmt(smallRows)} rows`]: join(dir, "small"), [`${fmt(rows)} rows`]: join(dir, "large") };
  const [smallName, largeName] = Object.keys(dirs);
  const seedFile = join(dir, "seed.json");
  rmSync(join(dir, "worker"), { recursive: true, force: true });
  const root = snapshotWorker(dir);
  let seed;
  if (reuse && existsSync(seedFile)) {
    seed = JSON.parse(readFileSync(seedFile, "utf8"));
    if (seed.rows !== rows || seed.smallRows !== smallRows || seed.due !== due || seed.teams !== teams) throw new Error(`${seedFile} was seeded with other sizes: ${JSON.stringify(seed)}`);
    console.log(`reusing the databases seeded at ${new Date(seed.asOf).toISOString()}`);
    for (const persistTo of Object.values(dirs)) {
      const db = await openLocalD1(persistTo);
      await db.run(rearmDueSql(seed.asOf)).finally(() => db.close());
    }
  } else {
    mkdirSync(dir, { recursive: true });
    // "Today" ends at asOf; whole seconds, as the admin route's ISO asOf keeps milliseconds anyway.
    const asOf = Math.floor(Date.now() / 1000) * 1000;
    const seconds = {};
    for (const [name, persistTo] of Object.entries(dirs)) {
      console.log(`seeding ${name} (${fmt(due)} due)`);
      seconds[name] = (await seedDatabase(root, persistTo, name === largeName ? rows : smallRows, asOf)).seconds;
    }
    seed = { asOf, rows, smallRows, due, teams, seconds };
    writeFileSync(seedFile, JSON.stringify(seed, null, 2));
  }
  const asOf = seed.asOf;
  const described = {};
  for (const [name, persistTo] of Object.entries(dirs)) described[name] = await describeDatabase(persistTo, asOf);
  for (const [name, d] of Object.entries(described)) {
    console.log(`${name}: ${fmt(d.total)} certificates, ${fmt(d.due)} due, ${fmt(d.never)} without renewal, ${d.teams} teams, largest ${d.largest.team} ${fmt(d.largest.n)} (${fmt(d.largest.due)} due), ${(d.bytes / 1e9).toFixed(2)} GB`);
    if (d.due !== due) throw new Error(`${name}: ${d.due} due, expected ${due}`);
  }

  // The claim as a tick at asOf makes it: one statement of LIMIT RENEWALS_PER_TICK, claimed until asOf + RENEWAL_CLAIM_MS.
  const { constants } = claimStatement(asOf, 1, asOf);
  const perTick = constants.RENEWALS_PER_TICK;
  const claim = claimStatement(asOf, perTick, asOf + constants.RENEWAL_CLAIM_MS);
  const idleClaim = claimStatement(asOf - 2 * DAY_MS, perTick, asOf - 2 * DAY_MS + constants.RENEWAL_CLAIM_MS);
  const migrationIndex = renewalIndexOfMigrations(root);
  const migrationNo = migrationIndex.file.split("_")[0];

  console.log(`claim statement, one per tick (LIMIT ${perTick}) through the day's due rows; then as it was before (pages of ${BEFORE_PAGE_SIZE}, the two-column index)`);
  // The references: as src/ claimed before migration 0006 and the one-statement change, and each change alone. The
  // index as it was is created in place of the migrations' for those drains, and the migrations' definition restored.
  const pageClaim = claimStatement(asOf, BEFORE_PAGE_SIZE, asOf + constants.RENEWAL_CLAIM_MS);
  // The two drains through the index as it was run one after the other: it is created before the first and the
  // migrations' definition restored after the second (two index builds per database, not four).
  const references = [
    { key: "before", label: `as it was: pages of ${BEFORE_PAGE_SIZE} through the two-column index (next_renewal_at, renewal_queued_until)`, statement: pageClaim, statementLimit: BEFORE_PAGE_SIZE, twoColumnIndex: true, setup: [`DROP INDEX IF EXISTS ${RENEWAL_IDX}`, BEFORE_INDEX_SQL] },
    { key: "tickOnly", label: `one statement per tick (LIMIT ${fmt(perTick)}) through the two-column index: the one-statement change alone`, statement: claim, statementLimit: perTick, twoColumnIndex: true, teardown: [`DROP INDEX IF EXISTS ${RENEWAL_IDX}`, migrationIndex.sql] },
    { key: "indexOnly", label: `pages of ${BEFORE_PAGE_SIZE} through certificates_renewal_idx as migration ${migrationNo} defines it: the index change alone`, statement: pageClaim, statementLimit: BEFORE_PAGE_SIZE, twoColumnIndex: false },
  ];
  const statement = await claimDrains(dirs, claim, idleClaim, references, migrationIndex.sql, asOf);
  for (const [name, plan] of Object.entries(statement.plans)) console.log(`  plan ${name}: ${plan}`);
  for (const v of statement.before) console.log(`  plan, ${v.key}, ${largeName}: ${v.plans[largeName]}`);

  console.log(`ticks through the Worker (batchSize ${perTick}) and the consumer draining them`);
  const worker = await workerTicks(root, dirs, asOf, perTick, dir);

  for (const [name, persistTo] of Object.entries(dirs)) described[name].claimedAfter = (await describeDatabase(persistTo, asOf)).claimed;

  console.log(`${renewals} real renewals against Pebble (HTTP-01 validation)`);
  const pebble = await pebbleRenewals(root, dir);
  console.log(`  ${pebble.renewed}/${renewals} renewed in ${(pebble.elapsedMs / 1000).toFixed(1)} s: ${pebble.perSecond.toFixed(2)}/s; outcomes ${JSON.stringify(pebble.outcomes)}`);

  // Every measurement as measured, before anything is rendered from it.
  const replacer = (_, v) => (v instanceof Set ? undefined : v);
  writeFileSync(join(dir, "measurements.json"), JSON.stringify({ settings, beforePageSize: BEFORE_PAGE_SIZE, beforeIndexSql: BEFORE_INDEX_SQL, migrationIndex, seed, described, statement, worker, pebble }, replacer, 1));

  // ------------------------------------------------------------------------------------------------------------------
  // Tables

  const stat = (list, f) => median(list.map(f));
  const ratio = (a, b) => (b > 0 ? a / b : NaN);
  const tickGroups = Object.fromEntries(Object.entries(statement.drains).map(([name, drains]) => [name, drains.map((statements) => ticksOf(statements, perTick, perTick))]));
  const nTicks = Math.max(...Object.values(tickGroups).flatMap((reps) => reps.map((t) => t.length)));
  const claimRows = [];
  for (let i = 0; i < nTicks; i++) {
    const at = (name) => tickGroups[name].map((ticks) => ticks[i]).filter(Boolean);
    const s = at(smallName);
    const l = at(largeName);
    if (!s.length || !l.length) continue;
    claimRows.push([
      s[0].claimed === 0 ? `${i + 1} (found nothing: the day is done)` : `${i + 1}`, fmt(s[0].backlog), `${s[0].statements} / ${fmt(s[0].claimed)}`,
      fmt(stat(s, (t) => t.rowsRead)), fmt(stat(l, (t) => t.rowsRead)),
      fmt(stat(s, (t) => t.ms)), fmt(stat(l, (t) => t.ms)), `**${ratio(stat(l, (t) => t.ms), stat(s, (t) => t.ms)).toFixed(2)}**`,
    ]);
  }
  const dayTotal = (name, f) => median(tickGroups[name].map((ticks) => ticks.reduce((n, t) => n + f(t), 0)));
  claimRows.push([
    "whole day", fmt(due), `${tickGroups[smallName][0].reduce((n, t) => n + t.statements, 0)} / ${fmt(due)}`,
    fmt(dayTotal(smallName, (t) => t.rowsRead)), fmt(dayTotal(largeName, (t) => t.rowsRead)),
    fmt(dayTotal(smallName, (t) => t.ms)), fmt(dayTotal(largeName, (t) => t.ms)), `**${ratio(dayTotal(largeName, (t) => t.ms), dayTotal(smallName, (t) => t.ms)).toFixed(2)}**`,
  ]);
  const idleS = statement.idle[smallName];
  const idleL = statement.idle[largeName];
  claimRows.push([
    "0 due (asOf 2 days earlier)", "0", "1 / 0", fmt(median(idleS.map((x) => x.rowsRead))), fmt(median(idleL.map((x) => x.rowsRead))),
    fmt(median(idleS.map((x) => x.ms)), 1), fmt(median(idleL.map((x) => x.ms)), 1), "—",
  ]);
  const claimTable = markdownTable(
    ["tick", "due and unclaimed before it", "claim statements / rows claimed", `rows_read, ${smallName}`, `rows_read, ${largeName}`, `D1 ms, ${smallName}`, `D1 ms, ${largeName}`, `ms ratio ${largeName} ÷ ${smallName}`],
    claimRows,
  );
  const dayOf = (drains, name, statementLimit, f) => median(drains[name].map((statements) => ticksOf(statements, perTick, statementLimit).reduce((n, t) => n + f(t), 0)));
  const firstTickOf = (drains, name, statementLimit, f = (t) => t.ms) => median(drains[name].map((statements) => f(ticksOf(statements, perTick, statementLimit)[0])));
  const byKey = Object.fromEntries(statement.before.map((v) => [v.key, v]));
  // As it was first (the reference, 1.00), each change alone, then as it is (both changes).
  const variants = [
    byKey.before, byKey.tickOnly, byKey.indexOnly,
    { key: "as", label: `as it is (src/): one statement per tick (LIMIT ${fmt(perTick)}) through certificates_renewal_idx as migration ${migrationNo} defines it`, drains: statement.drains, statementLimit: perTick, plans: statement.plans },
  ];
  const beforeDayL = dayOf(byKey.before.drains, largeName, BEFORE_PAGE_SIZE, (t) => t.ms);
  const variantRatio = {};
  const variantDay = {};
  const variantTable = markdownTable(
    ["claim", "statements a day", "rows_read a day", `first tick, D1 ms, ${smallName}`, `first tick, D1 ms, ${largeName}`, `whole day, D1 ms, ${smallName}`, `whole day, D1 ms, ${largeName}`, `ratio ${largeName} ÷ ${smallName}`, `${largeName}: day ÷ as it was`],
    variants.map((v) => {
      const sDay = dayOf(v.drains, smallName, v.statementLimit, (t) => t.ms);
      const lDay = dayOf(v.drains, largeName, v.statementLimit, (t) => t.ms);
      const readS = dayOf(v.drains, smallName, v.statementLimit, (t) => t.rowsRead);
      const readL = dayOf(v.drains, largeName, v.statementLimit, (t) => t.rowsRead);
      variantRatio[v.key] = ratio(lDay, sDay);
      variantDay[v.key] = { lDay, readL };
      return [v.label, v.drains[largeName][0].length, readS === readL ? fmt(readL) : `${fmt(readS)} / ${fmt(readL)}`, fmt(firstTickOf(v.drains, smallName, v.statementLimit)), fmt(firstTickOf(v.drains, largeName, v.statementLimit)), fmt(sDay), fmt(lDay), `**${ratio(lDay, sDay).toFixed(2)}**`, (lDay / beforeDayL).toFixed(2)];
    }),
  );
  const beforePlan = byKey.before.plans[largeName];
  // Whether the claim reads the due rows from certificates_renewal_idx alone (team_id and id in it), as the plan says.
  const covered = Object.values(statement.plans).every((plan) => plan.includes(`COVERING INDEX ${RENEWAL_IDX}`));
  const firstTick = { read: firstTickOf(statement.drains, smallName, perTick, (t) => t.rowsRead), claimed: tickGroups[smallName][0][0].claimed };
  const lastClaimingTick = tickGroups[smallName][0].filter((t) => t.claimed > 0).at(-1);
  // The day's last statement, which found every due row claimed (its rows_read: the index entries of the claimed rows).
  const emptyTick = tickGroups[smallName][0].at(-1)?.claimed === 0 ? { rowsRead: median(tickGroups[smallName].map((ticks) => ticks.at(-1).rowsRead)) } : undefined;
  const pagesPerTick = Math.ceil(perTick / BEFORE_PAGE_SIZE);

  const w = worker.ticks;
  const sum = (list, f) => list.reduce((n, x) => n + f(x), 0);
  const workerRow = (name) => {
    const busy = w[name].filter((t) => t.enqueued > 0);
    // A tick with a full tick's worth waiting: what one tick claims and enqueues.
    const full = busy.filter((t) => t.backlog >= perTick);
    return {
      busy, full, perTick: full.length ? Math.min(...full.map((t) => t.enqueued)) : NaN,
      tickMs: median(busy.map((t) => t.ms)), dayTickMs: sum(busy, (t) => t.ms), enqueued: sum(busy, (t) => t.enqueued), failed: sum(busy, (t) => t.failed),
      enqRate: sum(busy, (t) => t.enqueued) / (sum(busy, (t) => t.ms) / 1000), drainS: sum(busy, (t) => t.drainMs) / 1000,
      drainRate: sum(busy, (t) => t.enqueued) / (sum(busy, (t) => t.drainMs) / 1000), cpuPerMsg: (1000 * sum(busy, (t) => t.cpu)) / sum(busy, (t) => t.enqueued),
      concMax: Math.max(...busy.map((t) => t.concurrency.max)), concMean: median(busy.map((t) => t.concurrency.mean)),
      again: sum(busy, (t) => t.again), nothing: w[name].find((t) => t.due === 0), idleMs: median(worker.idle[name]),
    };
  };
  const ws = workerRow(smallName);
  const wl = workerRow(largeName);
  const tickCount = Math.max(ws.busy.length, wl.busy.length);
  const dayRows = [];
  for (let i = 0; i < tickCount; i++) {
    const a = ws.busy[i];
    const b = wl.busy[i];
    const cells = (t) => (t ? [fmt(t.ms), `${fmt(t.enqueued)} / ${t.failed}`, fmt(t.enqueued / (t.ms / 1000)), (t.drainMs / 1000).toFixed(1)] : ["—", "—", "—", "—"]);
    dayRows.push([`${i + 1}`, fmt((a ?? b).backlog), ...cells(a), ...cells(b), a && b ? `**${ratio(b.ms, a.ms).toFixed(2)}**` : "—"]);
  }
  dayRows.push([
    "whole day", fmt(due), fmt(ws.dayTickMs), `${fmt(ws.enqueued)} / ${ws.failed}`, fmt(ws.enqRate), ws.drainS.toFixed(1), fmt(wl.dayTickMs), `${fmt(wl.enqueued)} / ${wl.failed}`, fmt(wl.enqRate), wl.drainS.toFixed(1),
    `**${ratio(wl.dayTickMs, ws.dayTickMs).toFixed(2)}**`,
  ]);
  dayRows.push(["the tick that found nothing", "0", fmt(ws.nothing?.ms), "0 / 0", "—", "—", fmt(wl.nothing?.ms), "0 / 0", "—", "—", ws.nothing && wl.nothing ? `**${ratio(wl.nothing.ms, ws.nothing.ms).toFixed(2)}**` : "—"]);
  dayRows.push([`then ${idleTicks} ticks with nothing due (median)`, "0", fmt(ws.idleMs, 1), "0 / 0", "—", "—", fmt(wl.idleMs, 1), "0 / 0", "—", "—", `**${ratio(wl.idleMs, ws.idleMs).toFixed(2)}**`]);
  const workerTable = markdownTable(
    ["tick", "due and unclaimed before it", `tick ms, ${smallName}`, "enqueued / failed", "messages/s", "drained in s", `tick ms, ${largeName}`, "enqueued / failed", "messages/s", "drained in s", "tick ms ratio"],
    dayRows,
  );
  const consumerTable = markdownTable(
    ["database", "messages over the day", "drain rate, messages/s", "batches in the consumer at once: max / mean of the ticks' means", "Worker CPU per message, ms", "outcomes"],
    [ws, wl].map((x, i) => {
      const outcomes = {};
      for (const t of x.busy) for (const [k, v] of Object.entries(t.outcomes ?? {})) outcomes[k] = (outcomes[k] ?? 0) + v;
      return [[smallName, largeName][i], fmt(x.enqueued), fmt(x.drainRate), `${x.concMax} / ${x.concMean.toFixed(2)}`, x.cpuPerMsg.toFixed(1), Object.entries(outcomes).map(([k, v]) => `${fmt(v)} ${k}`).join(", ")];
    }),
  );

  const p = pebble;
  const localSerial = Math.max(wl.concMean, ws.concMean, p.concurrency.mean) < 1.2;
  const batchMs = p.batches.map((b) => b.ms).sort((a, b) => a - b);
  const pebbleTable = markdownTable(
    ["certificates (teams)", "sweep tick, ms", "outcomes", "renewed (new serial)", "sweep → last renewed, s", "renewals/s", "× 86,400 = renewals/day", "batches: count, median / max ms", "batches in the consumer at once: max / mean", "Pebble orders placed"],
    [[
      `${renewals} (${renewTeams})`, fmt(p.sweepMs), Object.entries(p.outcomes).map(([k, v]) => `${v} ${k}`).join(", "), `${p.renewed} / ${renewals}`, (p.elapsedMs / 1000).toFixed(1), p.perSecond.toFixed(2),
      fmt(p.perSecond * 86_400), `${p.batches.length}, ${fmt(median(batchMs))} / ${fmt(batchMs.at(-1))}`, `${p.concurrency.max} / ${p.concurrency.mean.toFixed(2)}`, p.ordersPlaced,
    ]],
  );
  const cpuTotal = Object.values(p.cpu).reduce((a, b) => a + b, 0);
  const cpuLine = Object.entries(p.cpu).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(", ");
  const windowS = p.elapsedMs / 1000;

  // ------------------------------------------------------------------------------------------------------------------
  // Capacity

  // (A day with fewer due than a tick takes never fills a tick: then the configured RENEWALS_PER_TICK.)
  const cronPerDay = settings.ticksPerDay * (Number.isFinite(wl.perTick) ? wl.perTick : perTick);
  const consumerPerDay = p.perSecond * 86_400;
  const plumbingPerDay = wl.drainRate * 86_400;
  const n = floor3(Math.min(cronPerDay, consumerPerDay));
  const bound = cronPerDay <= consumerPerDay ? `the cron: ${settings.ticksPerDay} ticks a day × ${fmt(perTick)} (RENEWALS_PER_TICK) claimed and enqueued per tick` : `the consumer: ${p.perSecond.toFixed(2)} renewals/s against Pebble on this machine`;
  // The issue's exact form, N in plain digits so the line reads the same to a person and to a parser.
  const capacityLine = `renewal capacity: ${n} renewals/day`;
  const budgetPerDay = constants.ACME_ORDERS_PER_ACCOUNT_PER_3H * 8;
  const bigTeams = described[largeName].dueByTeam.filter((t) => t.n > budgetPerDay);
  const largestDue = described[largeName].dueByTeam[0];
  const aimMet = n >= 35_000;
  const times = (rows / smallRows).toFixed(0);
  const rowsReadSame = claimRows.slice(0, -1).every((r) => r[3] === r[4]);
  const dayRatio = ratio(dayTotal(largeName, (t) => t.ms), dayTotal(smallName, (t) => t.ms));

  const mixRows = described[largeName].mix.map((m) => [m.type, `${m.days} days`, fmt(m.n), fmt(m.due ?? 0), fmt(described[smallName].mix.find((x) => x.type === m.type && x.days === m.days)?.n ?? 0)]);
  const mixTable = markdownTable(["type", "lifetime", `rows, ${largeName}`, "due today (both)", `rows, ${smallName}`], mixRows);

  const command = `node bench/renewal-capacity/run.mjs --rows ${rows} --small-rows ${smallRows} --due ${due} --teams ${teams} --reps ${reps} --idle-ticks ${idleTicks} --renewals ${renewals} --renew-teams ${renewTeams} --write`;
  const section = `## 8. Renewal capacity at ${fmt(rows)} certificates

${machineLine({ pebble: ["sh", ["-c", "dpkg-query -W -f '${Version}' pebble"]] })}

\`\`\`sh
${command}
\`\`\`

${capacityLine}

N = ${fmt(n)}, bounded by ${bound}.

Aim (≥ 35,000/day, a million 45-day certificates, and a tick whose cost does not grow with the certificates that are not due): N **${aimMet ? "met" : "not met"}**. The tick's cost against the rows not due: with the same ${fmt(due)} due, the claim statement read ${rowsReadSame ? "**the same rows**" : "**not** the same rows"} on ${largeName} as on ${smallName} in every tick of the day, and took **${dayRatio.toFixed(2)}×** the D1 time over the day (the day's ticks through the Worker: **${ratio(wl.dayTickMs, ws.dayTickMs).toFixed(2)}×**) for ${times}× the rows. ${
    dayRatio < 1.1
      ? "No difference beyond the noise."
      : covered
        ? `The claim reads the due rows from certificates_renewal_idx alone (\`team_id\` and \`id\` are in it since migrations/${migrationIndex.file}: the plan's COVERING INDEX, A), so the lookup of each due row in the table is gone; what still grows with the rows stored is the B-trees the statement goes through: the due range is found in a larger index, and each row claimed is found by \`id\` and rewritten (its index entry moved) in a ${times}× larger table (a deeper B-tree, a ${times}× larger file in the page cache), so it grows with the logarithm of the rows, not with them. As it was before migration 0006 (pages of ${BEFORE_PAGE_SIZE} through the two-column index: each due, unclaimed row looked up in the table for \`team_id\` and \`id\` by every page), the same ratio was ${fmt(variantRatio.before, 2)}.`
        : `The difference is the claim's lookup of each due row in the table (the plan reads certificates_renewal_idx, then the row for \`team_id\` and \`id\`): a lookup in a ${times}× larger table costs somewhat more (a deeper B-tree, a ${times}× larger file in the page cache), so it grows with the logarithm of the rows, not with them.`
  } What a tick's cost does grow with is the number of certificates due and not yet claimed (A).

- The cron enqueues up to ${fmt(cronPerDay)} a day: \`${settings.cron}\` = ${settings.ticksPerDay} ticks, each claiming and enqueuing ${fmt(wl.perTick)} (RENEWALS_PER_TICK = ${fmt(perTick)}; on ${largeName} every tick with that many waiting did: ${wl.full.map((t) => fmt(t.enqueued)).join(", ")}, the slowest in ${(Math.max(...wl.busy.map((t) => t.ms)) / 1000).toFixed(2)} s; ${fmt(wl.enqRate)} messages/s over the day's ticks).
- The consumer renews ${p.perSecond.toFixed(2)}/s against Pebble here, ${fmt(consumerPerDay)} a day (${p.renewed} real renewals with HTTP-01 validation, ${(windowS).toFixed(1)} s from the sweep to the last one stored).
- Queue plumbing alone (messages the consumer acknowledges without a renewal): ${fmt(wl.drainRate)} messages/s, ${fmt(plumbingPerDay)} a day: not what bounds N.
- CA-side budget, separate from N: Let's Encrypt exempts a renewal order that names the certificate it replaces (ARI \`replaces\`, sent whenever the directory offers renewalInfo, src/acme/order.ts) from its limits, so with Let's Encrypt nothing here binds. A CA without ARI holds each team account to ${constants.ACME_ORDERS_PER_ACCOUNT_PER_3H} orders per 3 hours = ${fmt(budgetPerDay)} renewals/day (src/issuance/order-budget.ts defers the rest): in the seeded mix ${bigTeams.length === 0 ? "no team has more than that due in a day" : `${bigTeams.length} team${bigTeams.length === 1 ? "" : "s"} ha${bigTeams.length === 1 ? "s" : "ve"} more due in a day (the largest, ${fmt(described[largeName].largest.n)} certificates, ${fmt(largestDue.n)} due today), so without ARI ${bigTeams.length === 1 ? "that team falls" : "those teams fall"} behind by ${fmt(bigTeams.reduce((s, t) => s + t.n - budgetPerDay, 0))} a day while the other ${fmt(described[largeName].teams - bigTeams.length)} teams stay inside it`}.

### The databases

${fmt(rows)} and ${fmt(smallRows)} certificates over ${fmt(teams)} teams (a power law: the largest team holds ${fmt(described[largeName].largest.n)} of the ${fmt(rows)}), generated inside SQLite ([seed.mjs](renewal-capacity/seed.mjs); ${fmt(seed.seconds?.[largeName] ?? 0)} s and ${fmt(seed.seconds?.[smallName] ?? 0)} s to seed, ${(described[largeName].bytes / 1e9).toFixed(2)} GB and ${(described[smallName].bytes / 1e9).toFixed(2)} GB of SQLite, in batches of ${fmt(SEED_BATCH)} rows per statement). Rows have real sizes (PEM leaf, chain and sealed key). Both hold the same ${fmt(due)} rows due "today" (next renewal in the 24 hours before asOf, ${(100 * due / rows).toFixed(1)} % of ${fmt(rows)}); the mix renews ≈ 3.6 % a day in steady state (${MIX.filter((m) => m.renewEveryDays).map((m) => `${m.lifetimeDays}-day every ${m.renewEveryDays} days`).join(", ")}). The due rows are stored as uploaded (\`custom\`) certificates: the consumer reads the row, sees nothing to renew and clears the claim, so parts A and B measure the sweep and the queue without a CA; their lifetimes are drawn from the ACME mix by how often each renews.

${mixTable}

### A. The claim statement, tick by tick through the day

The statement src/store/renewal-claims.ts \`claimDueInTurns\` builds for a tick (its SQL and parameters taken from drizzle by [claim-sql.ts](renewal-capacity/claim-sql.ts), not written out): LIMIT ${fmt(perTick)} (RENEWALS_PER_TICK), as src/services/renewal-sweep.ts claims a whole tick in one statement. Run on each database as \`wrangler d1 execute --local\` runs it (Miniflare over the same SQLite file; wrangler's own command prints no rows_read), through certificates_renewal_idx as the migrations leave it (migrations/${migrationIndex.file}), one statement per tick without the queue until a statement claims nothing, then the claims cleared: ${reps} such drain${reps === 1 ? "" : "s"}, the two databases alternating statement by statement. D1's meta.rows_read and meta.duration (whole ms), median over the drains.

${claimTable}

EXPLAIN QUERY PLAN (both): \`${statement.plans[largeName]}\`${statement.plans[largeName] === statement.plans[smallName] ? "" : ` (${smallName}: \`${statement.plans[smallName]}\`)`}.

Every statement reads each due, unclaimed row (${covered ? "the index range of certificates_renewal_idx alone, which holds \`team_id\` and \`id\`" : "the index range, then the row for \`team_id\` and \`id\`"}, then the window's sort${covered ? "; the table is read only for the rows the UPDATE claims" : ""})${emptyTick ? `, and the index entry of each due row already claimed (the plan seeks on next_renewal_at alone and checks renewal_queued_until entry by entry: the statement that found nothing read ${fmt(emptyTick.rowsRead)} rows)` : ""}: the first tick of the day read ${fmt(firstTick.read)} rows for ${fmt(firstTick.claimed)} claimed (${fmt(firstTickOf(statement.drains, smallName, perTick))} ms / ${fmt(firstTickOf(statement.drains, largeName, perTick))} ms), the last that claimed rows ${fmt(lastClaimingTick?.rowsRead)}. A tick runs one such statement, so a day's drain reads the backlog once a tick, ≈ ${fmt(dayTotal(largeName, (t) => t.rowsRead))} rows: quadratic in the due count when the backlog takes many ticks${rowsReadSame ? ", and the same with or without the rows not due" : ""}. These drains are a whole day's due rows at once (a backlog, as after an outage); spread over the day, each of the ${settings.ticksPerDay} ticks finds ≈ ${fmt(due / settings.ticksPerDay)}${lastClaimingTick && due / settings.ticksPerDay < lastClaimingTick.backlog ? `, fewer than the last tick above that claimed rows found (${fmt(lastClaimingTick.backlog)}), so each is cheaper than that one` : ""}.

**As it was before.** The same drains as src/ made them before migrations/0006_renewal_claim_covering_index.sql and the change to one claim statement a tick: pages of ${BEFORE_PAGE_SIZE} (src/services/renewal-sweep.ts's page size then; a constant of this script), up to ${pagesPerTick} to a tick and a short page ending the tick, so the backlog was read up to ${pagesPerTick} times a tick; through the two-column index \`(next_renewal_at, renewal_queued_until)\` that migration 0006 replaced (created in place of certificates_renewal_idx on both databases for the drains through it, then the migration's definition restored: \`\` ${migrationIndex.sql} \`\`), plan \`${beforePlan}\`. Then each of the two changes alone. ${reps} drain${reps === 1 ? "" : "s"} each, medians; the last column is each day's D1 time on ${largeName} ÷ as it was.

${variantTable}

On ${largeName}, a day's drain as it is took **${(variantDay.as.lDay / beforeDayL).toFixed(2)}×** the D1 time of as it was and read ${fmt(variantDay.as.readL)} rows where as it was read ${fmt(variantDay.before.readL)}.

### B. Ticks through the Worker, and the consumer draining them

Both databases under \`wrangler dev\` as \`npm start\` runs it (CERTDESK_ENV=development, .dev.vars), of a copy of src/ taken when the run started ([worker.mjs](renewal-capacity/worker.mjs): wrangler dev reloads the Worker on every source change, and a reload drops the local queue's messages), \`POST /api/v1/admin/renewal-sweep {asOf, batchSize: ${perTick}}\` on each database in turn until a tick finds nothing, each tick followed by waiting until the consumer had acknowledged all its messages (counted from the Worker's log: miniflare's \`QUEUE certdesk-renewals n/n (ms)\` per batch and the consumer's tally); then ${idleTicks} ticks each with nothing due (asOf 2 days earlier). Tick ms = wall time of the request; messages/s = enqueued ÷ that; drained in = from the tick's request to the last batch acknowledged. Worker CPU = user + system time of the whole \`wrangler dev\` process group (wrangler, workerd) from /proc over the tick and its drain.

${workerTable}

${consumerTable}

${worker.endless ? `The day did not end: after ${Math.ceil(due / perTick) + 3} ticks each database still had rows due, ${fmt(ws.again + wl.again)} claims being of rows an earlier tick had claimed (the consumer gave back the claim of a row it skipped without taking it off the schedule).` : `${ws.again + wl.again === 0 ? "No tick claimed a row an earlier tick had claimed: the consumer takes a certificate it can never renew (here: uploaded) off the renewal schedule (src/services/renewal-queue.ts), so each due row was claimed once and the day ended with a tick that found nothing" : `${fmt(ws.again + wl.again)} claims were of rows an earlier tick had claimed`}.`} After the last drain ${Object.entries(described).map(([name, d]) => `${name} had ${d.claimedAfter} rows still claimed`).join(", ")}.

Local queue (wrangler ${JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", "wrangler", "package.json"), "utf8")).version}'s miniflare): batches of ${settings.maxBatchSize} (max_batch_size honoured); ${localSerial ? `one batch at a time: max_concurrency = ${settings.maxConcurrency} is not honoured locally` : `max_concurrency = ${settings.maxConcurrency} partly honoured`} (batches in the consumer at once, mean over the drains: ${wl.concMean.toFixed(2)} and ${ws.concMean.toFixed(2)} here, ${p.concurrency.mean.toFixed(2)} in C; largest overlap seen ${Math.max(wl.concMax, ws.concMax, p.concurrency.max)}, from a log line's arrival and the batch's reported duration), so at most ${settings.maxBatchSize} renewals are in flight here where Cloudflare would run up to ${settings.maxBatchSize * settings.maxConcurrency}. Ticks here wait for the drain, as ticks 15 minutes apart would: back to back, the local broker refuses \`sendBatch\` beyond ~10,000 waiting messages (bench/README.md).

### C. The consumer against Pebble (real renewals)

\`startE2eEnvironment({ wrangler: false })\` (scripts/pebble/: challtestsrv, Pebble with HTTP-01 validation, PEBBLE_VA_NOSLEEP=1, PEBBLE_AUTHZREUSE=0, PEBBLE_WFE_NONCEREJECT=0) and the run's copy of the Worker under \`wrangler dev\` with the variables the e2e environment gives its own, on Pebble's HTTP-01 port. ${renewals} certificates obtained through \`POST …/certificate/obtain\` (EC P-256, fresh names, ${renewTeams} teams of ${Math.ceil(renewals / renewTeams)}, ${p.obtainSeconds.toFixed(0)} s), then one sweep with asOf one minute after the latest nextRenewalAt (Pebble's certificates are long-lived), timed until the consumer's tallies account for every message; then every certificate read back through \`GET …/certificate\`: a new serial for ${p.renewed} of ${renewals}.

${pebbleTable}

CPU over those ${windowS.toFixed(1)} s (2 cores = ${(2 * windowS).toFixed(0)} CPU-seconds available): ${cpuLine}; ${((100 * cpuTotal) / (2 * windowS)).toFixed(0)} % of the machine, the rest idle or other work (load average above). ${p.cpu.Pebble > (p.cpu["wrangler dev (workerd + wrangler)"] ?? 0) ? "Pebble used more CPU than the Worker: Pebble is a large part of what bounds this rate." : "The Worker used more CPU than Pebble: Pebble is not the bottleneck here, so no recorded-response fake was needed."} With one batch of ${settings.maxBatchSize} in the consumer at a time, each batch lasts as long as its slowest renewal.`;

  console.log(`\n${section}\n`);
  console.log(capacityLine);
  if (write) writeResultsSection("renewal-capacity", section);
  if (!keep) {
    // Gigabytes of SQLite: not left in bench/out/ unless asked (logs stay).
    for (const path of [...Object.values(dirs), join(dir, "pebble-state"), join(dir, "worker"), seedFile]) rmSync(path, { recursive: true, force: true });
  }
}

// workerd trusts Pebble's HTTPS certificate only if NODE_EXTRA_CA_CERTS is in wrangler's environment from the start
// (as scripts/test.mjs does for vitest): re-run this script with it set.
const ca = ensureTestCa();
if (process.env.NODE_EXTRA_CA_CERTS !== ca.caCert) {
  const child = spawn(process.execPath, process.argv.slice(1), { stdio: "inherit", env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.caCert } });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code) => process.exit(code ?? 1));
} else {
  await runBench(main);
}
