/**
 * Shared helpers for the benchmarks in bench/. Child processes go through scripts/pebble/processes.mjs so each
 * runs in its own process group and is killed as a group (wrangler leaves workerd behind otherwise), on normal
 * exit, on failure and on Ctrl-C alike.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { freeTcpPorts } from "../scripts/pebble/ports.mjs";
import { spawnLogged, stopAll, stopProcess, waitForHttp } from "../scripts/pebble/processes.mjs";
import { REPO_ROOT } from "../scripts/pebble/test-ca.mjs";

export { freeTcpPorts, spawnLogged, stopAll, stopProcess, waitForHttp, REPO_ROOT };

export const BENCH_DIR = join(REPO_ROOT, "bench");
/** Gitignored: generated keys, certificates, local state and logs live here, never in a committed path. */
export const OUT_DIR = join(BENCH_DIR, "out");

/** A fresh directory under bench/out/ for one run of one benchmark. */
export function runDirectory(name) {
  const dir = join(OUT_DIR, `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** `--name value` / `--flag` from argv, with a default. */
export function option(name, fallback) {
  const argv = process.argv.slice(2);
  const at = argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  if (typeof fallback === "boolean") return true;
  const value = argv[at + 1];
  return typeof fallback === "number" ? Number(value) : value;
}

/** The operator token `npm start` uses: .dev.vars when present (start.mjs creates it from .dev.vars.example). */
export function localAdminToken() {
  for (const file of [".dev.vars", ".dev.vars.example"]) {
    const path = join(REPO_ROOT, file);
    if (!existsSync(path)) continue;
    const match = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(path, "utf8"));
    if (match) return match[1].trim();
  }
  return "local-admin-token";
}

/**
 * `npm start` (scripts/start.mjs: migrations, then wrangler dev) on 127.0.0.1:`port` with its state under
 * `persistTo`. Its own inspector port, so it never collides with another wrangler on the machine.
 */
export async function startApi({ persistTo, logFile, extraArgs = [], env = process.env }) {
  const [port, inspectorPort] = await freeTcpPorts(2);
  const args = [
    join(REPO_ROOT, "scripts", "start.mjs"),
    "--port", String(port),
    "--ip", "127.0.0.1",
    "--persist-to", persistTo,
    "--inspector-port", String(inspectorPort),
    "--show-interactive-dev-session=false",
    ...extraArgs,
  ];
  const handle = spawnLogged("npm start", process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...env, CI: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    logFile,
  });
  await waitForHttp(`http://127.0.0.1:${port}/`, { handle, timeoutMs: 180_000 });
  return { handle, url: `http://127.0.0.1:${port}` };
}

/**
 * Runs a bounded command (e.g. `wrangler d1 execute`) in its own process group with stdout captured, killing
 * the whole group (wrangler's workerd included) after `timeoutMs` or if this process exits first.
 */
export function capture(command, args, { timeoutMs = 300_000, env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...env, CI: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const kill = () => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    process.once("exit", kill);
    const timer = setTimeout(kill, timeoutMs);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      process.off("exit", kill);
      kill(); // grandchildren, if any outlived the leader
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(" ").slice(0, 200)} exited ${code}:\n${stderr}${stdout}`.slice(0, 4000)));
    });
  });
}

/**
 * `vitest run --config <config>` (a benchmark's own config, e.g. bench/workerd-vitest.ts), in its own process group,
 * its output echoed; resolves with the JSON of every stdout line that starts with `marker` and a space. vitest stops
 * its workerd itself; the group kill is for when it never gets there (Ctrl-C, this script failing).
 */
export function runVitest(config, marker, { env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(join(REPO_ROOT, "node_modules", ".bin", "vitest"), ["run", "--config", config], {
      cwd: REPO_ROOT,
      env: { ...env, NO_COLOR: "1", FORCE_COLOR: "0", CI: "1", WRANGLER_SEND_METRICS: "false" },
      detached: true,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const kill = () => {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    };
    process.once("exit", kill);
    let text = "";
    child.stdout.on("data", (chunk) => {
      process.stdout.write(chunk);
      text += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      process.off("exit", kill);
      if (code !== 0) return reject(new Error(`vitest --config ${config} exited ${code}`));
      const results = text
        .split("\n")
        .filter((line) => line.startsWith(`${marker} `))
        .map((line) => JSON.parse(line.slice(marker.length + 1)));
      if (results.length === 0) return reject(new Error(`vitest --config ${config}: no ${marker} line in its output`));
      resolve(results);
    });
  });
}

/** One JSON request; returns { status, body, ms } (ms: wall time until the whole body is read). */
export async function request(method, url, token, body) {
  const started = performance.now();
  const res = await fetch(url, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const ms = performance.now() - started;
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, ms };
}

/**
 * A wrk Lua script (https://github.com/wg/wrk/blob/master/SCRIPTING): optional Bearer token, optional POST of
 * `bodyFile` as JSON, and a `done` hook that prints the run's summary as one `BENCHJSON {…}` line for `runWrk`.
 */
export function wrkScript(dir, name, { token, bodyFile } = {}) {
  const path = join(dir, `${name}.lua`);
  const post = `wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("${bodyFile}", "rb")); wrk.body = f:read("*a"); f:close()
`;
  writeFileSync(
    path,
    `${bodyFile ? post : ""}${token ? `wrk.headers["Authorization"] = "Bearer ${token}"\n` : ""}done = function(s, latency, requests)
  local e = s.errors
  io.write(string.format('BENCHJSON {"requests":%d,"durationUs":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50":%d,"p99":%d}\\n',
    s.requests, s.duration, e.status, e.connect, e.read, e.write, e.timeout, latency:percentile(50), latency:percentile(99)))
end
`,
  );
  return path;
}

/**
 * One bounded wrk run (`-t1`: wrk takes at most one of the machine's cores; it stops itself after `seconds`), in its
 * own process group like everything else. { rps, p50, p99 (ms), requests, non2xx, errors (socket errors, timeouts) }.
 */
export async function runWrk({ dir, label, url, script, seconds, connections }) {
  const logFile = join(dir, `wrk-${label.replace(/\W+/g, "_")}.log`);
  const handle = spawnLogged(`wrk ${label}`, "wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "10s", "-s", script, url], { logFile });
  const code = await handle.exited;
  const out = readFileSync(logFile, "utf8");
  const line = out.split("\n").find((l) => l.startsWith("BENCHJSON "));
  if (code !== 0 || !line) throw new Error(`wrk ${label} failed (${code}):\n${out}`);
  const r = JSON.parse(line.slice("BENCHJSON ".length));
  return { rps: r.requests / (r.durationUs / 1e6), p50: r.p50 / 1000, p99: r.p99 / 1000, requests: r.requests, non2xx: r.status, errors: r.connect + r.read + r.write + r.timeout };
}

/** Median, spread and totals of one contender's wrk runs over the rounds. */
export function summarizeRuns(results) {
  return {
    rps: median(results.map((r) => r.rps)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    requests: results.reduce((n, r) => n + r.requests, 0),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
    all: results.map((r) => r.rps.toFixed(0)).join(", "),
  };
}

/**
 * Round `round`'s order of `runs` (1-based): forward in odd rounds, reversed in even ones, so no contender always
 * runs right after another (whose load, GC or log flush could spill over into the next run).
 */
export function roundOrder(runs, round) {
  return round % 2 === 1 ? [...runs] : [...runs].reverse();
}

/** Per-round ratios a[i] ÷ b[i] of two contenders' rps (each round's runs are back to back, under the same load). */
export function roundRatios(a, b) {
  return a.map((r, i) => r.rps / b[i].rps);
}

/** A team (operator token) and a project on `domain`: { token, projectId }. */
export async function bootstrapProject(baseUrl, adminToken, domain) {
  const slug = `bench-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const team = await request("POST", `${baseUrl}/api/v1/teams`, adminToken, { slug, name: "Bench" });
  if (team.status !== 200) throw new Error(`POST /api/v1/teams: ${team.status} ${JSON.stringify(team.body)}`);
  const projectId = await createProject(baseUrl, team.body.token, domain);
  return { token: team.body.token, projectId };
}

export async function createProject(baseUrl, token, domain) {
  const name = `p-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const project = await request("POST", `${baseUrl}/api/v1/projects`, token, { name, domain });
  if (project.status !== 200) throw new Error(`POST /api/v1/projects: ${project.status} ${JSON.stringify(project.body)}`);
  return project.body.id;
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** A Markdown table from a header row and data rows. */
export function markdownTable(header, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Date, CPU, core count and tool versions, for the results header. */
export function machineLine(extraTools = {}) {
  const version = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).split("\n")[0].trim();
    } catch {
      return "n/a";
    }
  };
  const wrangler = JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", "wrangler", "package.json"), "utf8")).version;
  const tools = { node: process.version, wrangler, ...Object.fromEntries(Object.entries(extraTools).map(([k, [c, a]]) => [k, version(c, a)])) };
  // Load average at the end of the run: other work on the machine (e.g. test runs) shows up here.
  return `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC · ${cpus().length} cores (${cpus()[0]?.model.trim()}) · load avg ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} · ${Object.entries(tools)
    .map(([k, v]) => `${k} ${v}`)
    .join(" · ")}`;
}

/**
 * Replaces this benchmark's section of bench/RESULTS.md (between its two marker comments), or appends it,
 * so the three scripts can each rewrite their own results without touching the others'.
 */
export function writeResultsSection(name, markdown) {
  const path = join(BENCH_DIR, "RESULTS.md");
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  let text = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmark results\n\nWritten by the scripts in bench/ (`--write`); see bench/README.md.\n";
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  text = from >= 0 && to > from ? text.slice(0, from) + block + text.slice(to + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, text);
  console.log(`updated ${path} (${name})`);
}

/**
 * Runs `main`, always stopping every child process group afterwards; exits non-zero on failure.
 * The exit hook in processes.mjs also SIGKILLs the groups if the process dies some other way.
 */
export async function runBench(main) {
  let code = 0;
  try {
    await main();
  } catch (error) {
    console.error(error instanceof Error ? error.stack : error);
    code = 1;
  } finally {
    await stopAll();
  }
  process.exit(code);
}
