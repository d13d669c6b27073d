#!/usr/bin/env node
/**
 * Requests/s of an authenticated read, `GET /api/v1/projects/:id` on `npm start`'s wrangler dev with a warm token
 * (verified from the per-isolate cache, src/services/token-cache.ts), versus hello-d1/, a bare Worker doing one D1 read
 * of one seeded row (its own `wrangler dev --local`, same compatibility date and flags), same wrk settings, one run.
 * The aim: ≥ 0.8× the bare Worker. Reference rows: `GET /health` (the app without authentication or D1) and the bare
 * Worker's `/static` (no D1), so the table also says what the D1 read and the app each cost.
 *
 * Before the load, d1-queries.measure.ts counts the D1 statements of the main routes inside workerd (cold and warm
 * token), for the "D1 queries per request" table.
 *
 *   node bench/authenticated-read/throughput.mjs [--rounds 7] [--duration 5] [--warmup 5] [--connections 16] [--write]
 *
 * wrk runs with one thread so it takes at most one of the machine's cores; one server is loaded at a time. Every
 * ratio is taken within a round, against that round's baseline run, then the median over rounds is reported.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  bootstrapProject, capture, freeTcpPorts, localAdminToken, machineLine, markdownTable, median, option, request, roundOrder,
  roundRatios, runBench, runDirectory, runVitest, runWrk, spawnLogged, startApi, summarizeRuns, waitForHttp,
  writeResultsSection, wrkScript, BENCH_DIR, REPO_ROOT,
} from "../lib.mjs";

const duration = option("duration", 5);
const rounds = option("rounds", 7);
const warmup = option("warmup", 5);
const connections = option("connections", 16);
const write = option("write", false);
const AIM = 0.8;
/** As d1-queries.measure.ts RESULT_MARKER. */
const D1_MARKER = "D1_QUERIES_RESULT";

const WRANGLER = join(REPO_ROOT, "node_modules", ".bin", "wrangler");
const HELLO_CONFIG = join(BENCH_DIR, "authenticated-read", "hello-d1", "wrangler.toml");
/** As hello-d1/worker.js TEAM_ID. */
const HELLO_TEAM = "team_bench_hello";

/** The baseline must run on the project's runtime: the same compatibility date and flags, or the script stops. */
function checkSameRuntime() {
  const settings = (file) => {
    const text = readFileSync(file, "utf8");
    return ["compatibility_date", "compatibility_flags"].map((key) => new RegExp(`^${key}\\s*=\\s*(.+)$`, "m").exec(text)?.[1].trim());
  };
  const [project, hello] = [settings(join(REPO_ROOT, "wrangler.toml")), settings(HELLO_CONFIG)];
  if (JSON.stringify(project) !== JSON.stringify(hello)) {
    throw new Error(`hello-d1/wrangler.toml has ${hello.join(", ")} but wrangler.toml has ${project.join(", ")}: make them the same`);
  }
}

const wrangler = (args) => capture(WRANGLER, args);
const sqlText = (value) => (value === null ? "NULL" : typeof value === "number" ? String(value) : `'${String(value).replace(/'/g, "''")}'`);

/**
 * hello-d1's database: the project's migrations, then one team and one project row holding the API's project's values
 * (same name and domain, so the same row and answer sizes), through wrangler's own local commands.
 */
async function seedHello(persistTo, project) {
  const local = ["--local", "--persist-to", persistTo, "--config", HELLO_CONFIG];
  await wrangler(["d1", "migrations", "apply", "DB", ...local]);
  const created = Date.parse(project.createdAt);
  const id = "prj_bench_hello_000000";
  await wrangler(["d1", "execute", "DB", ...local, "--command",
    `INSERT INTO teams (id, slug, name, created_at) VALUES (${sqlText(HELLO_TEAM)}, 'bench-hello', 'Bench', ${created});
     INSERT INTO projects (id, team_id, name, domain, created_at, updated_at) VALUES (${sqlText(id)}, ${sqlText(HELLO_TEAM)}, ${sqlText(project.name)}, ${sqlText(project.domain)}, ${created}, ${created});`]);
  return id;
}

/** The baseline: `wrangler dev` of hello-d1/ on 127.0.0.1, the way `npm start` runs the API (local, own inspector port). */
async function startHello({ persistTo, logFile }) {
  const [port, inspectorPort] = await freeTcpPorts(2);
  const args = ["dev", "--local", "--config", HELLO_CONFIG, "--port", String(port), "--ip", "127.0.0.1", "--persist-to", persistTo, "--inspector-port", String(inspectorPort), "--show-interactive-dev-session=false"];
  const handle = spawnLogged("hello-d1 wrangler dev", WRANGLER, args, { cwd: REPO_ROOT, env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" }, logFile });
  await waitForHttp(`http://127.0.0.1:${port}/static`, { handle, timeoutMs: 180_000 });
  return { handle, url: `http://127.0.0.1:${port}` };
}

/** The tables a piece of SQL names after FROM, INTO, UPDATE or JOIN, in order (json_each is a function, not a table). */
const tablesIn = (text) => [...text.matchAll(/\b(?:from|into|update|join)\s+["`]?(\w+)/gi)].map((m) => m[1]).filter((t) => t !== "json_each");

/**
 * "SELECT projects", "INSERT audit_log", "SELECT 1", "SELECT projects (+ domain_claims)": a statement by its verb and
 * its own table (outside any parentheses), then the other tables its subqueries read.
 */
function statementLabel(sql) {
  const text = sql.replace(/^batch: /, "").replace(/\s+/g, " ").trim();
  const verb = (/^\w+/.exec(text)?.[0] ?? "?").toUpperCase();
  let outer = text;
  for (let before = ""; before !== outer; ) [before, outer] = [outer, outer.replace(/\([^()]*\)/g, "")];
  const table = tablesIn(outer)[0] ?? tablesIn(text)[0];
  const others = [...new Set(tablesIn(text))].filter((t) => t !== table);
  const label = table ? `${verb} ${table}${others.length > 0 ? ` (+ ${others.join(", ")})` : ""}` : text.length <= 24 ? text : verb;
  return sql.startsWith("batch: ") ? `${label} (batch)` : label;
}

/** "a, b ×2, c": the items in the order first seen, repeats counted. */
function foldRepeats(items) {
  const counts = new Map();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].map(([item, n]) => (n > 1 ? `${item} ×${n}` : item)).join(", ") || "none";
}

/** "SELECT projects, SELECT domain_claims, INSERT audit_log": the statements in order, repeats folded. */
const describeStatements = (statements) => foldRepeats(statements.map(statementLabel));

/** The "D1 queries per request" table from d1-queries.measure.ts's result. */
function d1Report(d1) {
  const rows = d1.rows.map(({ route, cold, warm }) => [
    route,
    `**${warm.statements.length}**`,
    String(cold.statements.length),
    describeStatements(warm.statements),
    foldRepeats(warm.sessions),
    `${warm.status}`,
  ]);
  const table = markdownTable(["route", "D1 statements, warm token", "cold token", "what (warm, in order)", "D1 sessions opened (withSession)", "status"], rows);
  const first = d1.firstUse;
  return {
    table,
    firstUse: `A token's very first request (${first.route}) runs ${first.statements.length}: ${describeStatements(first.statements)}.`,
    details: d1.rows.map(({ route, warm }) => `- ${route}: ${warm.statements.map((s) => `\`${s.replace(/\s+/g, " ").slice(0, 160)}\``).join("; ")}`).join("\n"),
  };
}

await runBench(async () => {
  checkSameRuntime();
  const dir = runDirectory("authenticated-read");
  console.log(`working directory ${dir}`);

  // D1 statements per route, counted inside workerd, before anything loads the machine.
  const [d1] = await runVitest("bench/authenticated-read/vitest.config.ts", D1_MARKER);
  writeFileSync(join(dir, "d1-queries.json"), JSON.stringify(d1));

  const api = await startApi({ persistTo: join(dir, "api-state"), logFile: join(dir, "api.log") });
  const { token, projectId } = await bootstrapProject(api.url, localAdminToken(), "bench.example.com");
  const projectPath = `/api/v1/projects/${projectId}`;
  const answer = await request("GET", api.url + projectPath, token);
  if (answer.status !== 200) throw new Error(`GET ${projectPath}: ${answer.status} ${JSON.stringify(answer.body)}`);
  const helloState = join(dir, "hello-state");
  const helloId = await seedHello(helloState, answer.body);
  const hello = await startHello({ persistTo: helloState, logFile: join(dir, "hello.log") });
  const helloAnswer = await request("GET", `${hello.url}/projects/${helloId}`);
  if (helloAnswer.status !== 200 || helloAnswer.body.name !== answer.body.name) throw new Error(`hello-d1: ${helloAnswer.status} ${JSON.stringify(helloAnswer.body)}`);
  const health = await request("GET", `${api.url}/health`);
  if (health.status !== 200) throw new Error(`GET /health: ${health.status}`);

  const runs = [
    { key: "api", what: "GET /api/v1/projects/:id, warm token", server: "API (`npm start`)", url: api.url + projectPath, script: wrkScript(dir, "api", { token }), results: [] },
    { key: "hello", what: "bare Worker, one D1 read of one row", server: "hello-d1 (`wrangler dev`)", url: `${hello.url}/projects/${helloId}`, script: wrkScript(dir, "hello"), results: [] },
    { key: "health", what: "(reference) GET /health: the app, no authentication, no D1", server: "API (`npm start`)", url: `${api.url}/health`, script: wrkScript(dir, "health"), results: [] },
    { key: "static", what: "(reference) bare Worker, no D1", server: "hello-d1 (`wrangler dev`)", url: `${hello.url}/static`, script: wrkScript(dir, "static"), results: [] },
  ];
  // The first request verified the token and cached it; the warm-up keeps every later one warm.
  for (const run of runs) await runWrk({ dir, label: `${run.key}-warmup`, url: run.url, script: run.script, seconds: warmup, connections });
  // The two compared runs back to back, their order swapped every round, then the reference runs.
  for (let round = 1; round <= rounds; round++) {
    for (const run of [...roundOrder(runs.slice(0, 2), round), ...runs.slice(2)]) {
      const r = await runWrk({ dir, label: `${run.key}-${round}`, url: run.url, script: run.script, seconds: duration, connections });
      run.results.push(r);
      console.log(`round ${round} ${run.what}: ${r.rps.toFixed(1)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.requests} requests, ${r.non2xx} non-2xx, ${r.errors} errors`);
    }
  }

  const baseline = runs[1].results;
  const paired = roundRatios(runs[0].results, baseline);
  const ratio = median(paired);
  const rows = runs.map((run) => {
    const s = summarizeRuns(run.results);
    const r = median(roundRatios(run.results, baseline));
    return [run.what, run.server, s.rps.toFixed(1), s.all, s.p50.toFixed(1), s.p99.toFixed(1), String(s.requests), `${s.non2xx} / ${s.errors}`, run.key === "api" ? `**${r.toFixed(3)}**` : r.toFixed(3)];
  });
  const table = markdownTable(
    ["request", "server", "req/s (median round)", "req/s each round", "p50 ms", "p99 ms", "requests", "non-2xx / errors", "req/s ÷ bare D1 Worker (median of the rounds' ratios)"],
    rows,
  );
  const verdict =
    `Aim (authenticated GET ≥ ${AIM}× the bare D1 Worker): **${ratio >= AIM ? "met" : "not met"}**: ` +
    `median of the rounds' ratios **${ratio.toFixed(3)}** (each round: ${paired.map((r) => r.toFixed(3)).join(", ")}).`;
  const d1Tables = d1Report(d1);
  console.log(`\n${table}\n\n${verdict}\n\n${d1Tables.table}\n\n${d1Tables.firstUse}\n`);
  if (write) {
    writeResultsSection(
      "authenticated-read",
      `## 6. Authenticated read vs a bare D1 Worker (\`GET /api/v1/projects/:id\`)

${machineLine({ wrk: ["sh", ["-c", "wrk -v 2>&1 | head -1 | cut -d' ' -f2"]] })}

\`\`\`sh
node bench/authenticated-read/throughput.mjs --rounds ${rounds} --duration ${duration} --warmup ${warmup} --connections ${connections} --write
\`\`\`

wrk \`-t1 -c${connections} -d${duration}s\`, ${rounds} rounds after a ${warmup}s warm-up of each, the two compared runs back to back with their order swapped every round, then the reference runs; one server loaded at a time. req/s, p50 and p99 are medians over rounds; each ratio is taken within a round (against that round's bare-Worker run, so both saw the same load on this shared machine), then the median over rounds. The API is \`npm start\` with a team token verified once and then answered from the isolate's token cache (src/services/token-cache.ts): the request runs the app's middleware, the token check from the cache, the route's one D1 read (in the request's D1 session) and the JSON view. The baseline is [hello-d1](authenticated-read/hello-d1/worker.js), a Worker whose only work is one \`prepare().bind().first()\` of the same row by id and team (the project's migrations, the API's project's values), under \`wrangler dev --local\` with the same compatibility date and flags.

${table}

${verdict}

### D1 queries per request

Counted inside workerd by running each route (bench/authenticated-read/d1-queries.measure.ts, test/support/d1-count.ts \`countingIsolate\`): each route twice in a Worker isolate of its own, first with a cold token (read from D1; used a moment before elsewhere, so its last-used time is not written again), then warm (from that isolate's cache). A statement is one \`first\`/\`all\`/\`run\`/\`raw\`, or one member of a \`batch\` (one round trip for the whole batch). The sessions column is what each request passed to \`withSession\` (src/http/d1-session.ts: reads from any replica for GET, the primary for a change, whose answer also reads the primary's bookmark with one \`SELECT 1\`); a successful change also writes its audit row.

${d1Tables.table}

${d1Tables.firstUse}

<details><summary>every statement (warm token)</summary>

${d1Tables.details}

</details>`,
    );
  }
});
