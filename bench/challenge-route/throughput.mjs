#!/usr/bin/env node
/**
 * Requests/s of the HTTP-01 challenge route (`GET /.well-known/acme-challenge/:token` on `npm start`'s wrangler dev)
 * answering from KV, versus a hello-world Worker doing one KV read (hello-kv/, its own `wrangler dev`), same wrk
 * settings, one run. src/index.ts answers that route ahead of the Hono app: a GET under /.well-known/acme-challenge/
 * goes straight to answerChallenge, with the security headers applied. The aim: the route keeps ≥ 0.9× the
 * baseline's throughput, i.e. the D1 fallback, its bounds and the headers cost a KV hit nothing. Reference rows: a
 * KV miss answered from D1, and an unknown token answered 404 from the remembered miss (after its one D1 read).
 *
 *   node bench/challenge-route/throughput.mjs [--rounds 7] [--duration 5] [--warmup 5] [--connections 16] [--write]
 *
 * wrk runs with one thread so it takes at most one of the machine's cores; one server is loaded at a time. The
 * machine is shared (other work shows up as load spikes), so many short rounds are run and every ratio is taken
 * within a round, against that round's baseline run, then the median over rounds is reported.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  capture, freeTcpPorts, machineLine, markdownTable, median, option, runBench, runDirectory, spawnLogged, startApi,
  waitForHttp, writeResultsSection, BENCH_DIR, REPO_ROOT,
} from "../lib.mjs";

const duration = option("duration", 5);
const rounds = option("rounds", 7);
const warmup = option("warmup", 5);
const connections = option("connections", 16);
const write = option("write", false);
const AIM = 0.9;

const WRANGLER = join(REPO_ROOT, "node_modules", ".bin", "wrangler");
const HELLO_CONFIG = join(BENCH_DIR, "challenge-route", "hello-kv", "wrangler.toml");

/** A CA-like token (43 base64url characters, 256 bits) and its key authorization (token "." thumbprint, RFC 8555 §8.1). */
function challenge() {
  const token = randomBytes(32).toString("base64url");
  return { token, keyAuthorization: `${token}.${randomBytes(32).toString("base64url")}` };
}

/** A wrk Lua script that prints the run's summary as one JSON line at the end. */
function wrkScript(dir) {
  const path = join(dir, "summary.lua");
  writeFileSync(
    path,
    `done = function(s, latency, requests)
  local e = s.errors
  io.write(string.format('BENCHJSON {"requests":%d,"durationUs":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50":%d,"p99":%d}\\n',
    s.requests, s.duration, e.status, e.connect, e.read, e.write, e.timeout, latency:percentile(50), latency:percentile(99)))
end
`,
  );
  return path;
}

/** One bounded wrk run (it stops itself after `seconds`), in its own process group like everything else. */
async function wrk(dir, label, url, script, seconds) {
  const logFile = join(dir, `wrk-${label}.log`);
  const handle = spawnLogged(`wrk ${label}`, "wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "10s", "-s", script, url], { logFile });
  const code = await handle.exited;
  const out = readFileSync(logFile, "utf8");
  const line = out.split("\n").find((l) => l.startsWith("BENCHJSON "));
  if (code !== 0 || !line) throw new Error(`wrk ${label} failed (${code}):\n${out}`);
  const r = JSON.parse(line.slice("BENCHJSON ".length));
  return { rps: r.requests / (r.durationUs / 1e6), p50: r.p50 / 1000, p99: r.p99 / 1000, requests: r.requests, non2xx: r.status, errors: r.connect + r.read + r.write + r.timeout };
}

const wrangler = (args) => capture(WRANGLER, args);

/** The baseline: `wrangler dev` of hello-kv/ on 127.0.0.1, the same way `npm start` runs the API (local, own inspector port). */
async function startHello({ persistTo, logFile }) {
  const [port, inspectorPort] = await freeTcpPorts(2);
  const args = ["dev", "--local", "--config", HELLO_CONFIG, "--port", String(port), "--ip", "127.0.0.1", "--persist-to", persistTo, "--inspector-port", String(inspectorPort), "--show-interactive-dev-session=false"];
  const handle = spawnLogged("hello-kv wrangler dev", WRANGLER, args, { cwd: REPO_ROOT, env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" }, logFile });
  await waitForHttp(`http://127.0.0.1:${port}/`, { handle, timeoutMs: 180_000 });
  return { handle, url: `http://127.0.0.1:${port}` };
}

async function expectAnswer(url, status, body) {
  const res = await fetch(url);
  const text = await res.text();
  if (res.status !== status || (body !== undefined && text !== body)) throw new Error(`${url}: expected ${status} ${body ?? ""}, got ${res.status} ${text.slice(0, 200)}`);
}

await runBench(async () => {
  const dir = runDirectory("challenge-route");
  console.log(`working directory ${dir}`);
  const inKv = challenge();
  const inD1 = challenge();
  const unknown = challenge();

  // Seeded before the servers start, through wrangler's own local commands: the API's KV entry (as the solver
  // writes it) and D1 row, and the baseline's one key, holding a value of the same size.
  const apiState = join(dir, "api-state");
  const helloState = join(dir, "hello-state");
  await wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", apiState]);
  await wrangler(["d1", "execute", "DB", "--local", "--persist-to", apiState, "--command",
    `INSERT INTO acme_challenges (token, key_authorization, expires_at) VALUES ('${inD1.token}', '${inD1.keyAuthorization}', ${Date.now() + 86_400_000})`]);
  await wrangler(["kv", "key", "put", `http-01:${inKv.token}`, inKv.keyAuthorization, "--binding", "CHALLENGES", "--local", "--persist-to", apiState]);
  await wrangler(["kv", "key", "put", "hello", inKv.keyAuthorization, "--binding", "KV", "--local", "--persist-to", helloState, "--config", HELLO_CONFIG]);

  const api = await startApi({ persistTo: apiState, logFile: join(dir, "api.log") });
  const hello = await startHello({ persistTo: helloState, logFile: join(dir, "hello.log") });
  const route = (token, base = api.url) => `${base}/.well-known/acme-challenge/${token}`;

  // Each must give the expected answer before its speed means anything.
  await expectAnswer(route(inKv.token), 200, inKv.keyAuthorization);
  await expectAnswer(hello.url, 200, inKv.keyAuthorization);
  await expectAnswer(route(inD1.token), 200, inD1.keyAuthorization);
  await expectAnswer(route(unknown.token), 404);

  const script = wrkScript(dir);
  const runs = [
    { key: "route", what: "challenge route, KV hit", server: "API (`npm start`)", url: route(inKv.token), results: [] },
    { key: "hello", what: "hello-world Worker, one KV read", server: "hello-kv (`wrangler dev`)", url: hello.url, results: [] },
    { key: "d1", what: "(reference) challenge route, KV miss → D1", server: "API (`npm start`)", url: route(inD1.token), results: [] },
    { key: "miss", what: "(reference) challenge route, unknown token → 404 (remembered miss)", server: "API (`npm start`)", url: route(unknown.token), results: [] },
  ];
  for (const run of runs) await wrk(dir, `${run.key}-warmup`, run.url, script, warmup);
  // Rounds alternate the servers, and the median round counts: other work on a 2-core machine then weighs on all
  // alike. The two KV-hit runs swap their order every round.
  for (let round = 1; round <= rounds; round++) {
    const hits = runs.slice(0, 2);
    const shift = (round - 1) % hits.length;
    const order = [...hits.slice(shift), ...hits.slice(0, shift), ...runs.slice(hits.length)];
    for (const run of order) {
      const r = await wrk(dir, `${run.key}-${round}`, run.url, script, duration);
      run.results.push(r);
      console.log(`round ${round} ${run.what}: ${r.rps.toFixed(1)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.requests} requests, ${r.non2xx} non-2xx, ${r.errors} errors`);
    }
  }

  const summary = ({ results }) => ({
    rps: median(results.map((r) => r.rps)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    requests: results.reduce((n, r) => n + r.requests, 0),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
    all: results.map((r) => r.rps.toFixed(0)).join(", "),
  });
  // Each round's runs follow one another, so they share that round's load: every ratio is to the same round's
  // baseline run, and the median over rounds is reported.
  const ratios = (run) => run.results.map((r, i) => r.rps / runs[1].results[i].rps);
  const paired = ratios(runs[0]);
  const ratio = median(paired);
  const rows = runs.map((run) => {
    const s = summary(run);
    const r = median(ratios(run));
    return [run.what, run.server, s.rps.toFixed(1), s.all, s.p50.toFixed(1), s.p99.toFixed(1), String(s.requests), `${s.non2xx} / ${s.errors}`, run.key === "route" ? `**${r.toFixed(3)}**` : r.toFixed(3)];
  });
  const table = markdownTable(
    ["request", "server", "req/s (median round)", "req/s each round", "p50 ms", "p99 ms", "requests", "non-2xx / errors", "req/s ÷ hello-world (median of the rounds' ratios)"],
    rows,
  );
  const verdict =
    `Aim (challenge route on a KV hit ≥ ${AIM}× the hello-world Worker): **${ratio >= AIM ? "met" : "not met"}**: ` +
    `median of the rounds' ratios **${ratio.toFixed(3)}** (each round: ${paired.map((r) => r.toFixed(3)).join(", ")}).`;
  console.log(`\n${table}\n\n${verdict}\n`);
  if (write) {
    writeResultsSection(
      "challenge-route",
      `## 4. HTTP-01 challenge route throughput (\`GET /.well-known/acme-challenge/:token\`)

${machineLine({ wrk: ["sh", ["-c", "wrk -v 2>&1 | head -1 | cut -d' ' -f2"]] })}

\`\`\`sh
node bench/challenge-route/throughput.mjs --rounds ${rounds} --duration ${duration} --warmup ${warmup} --connections ${connections} --write
\`\`\`

wrk \`-t1 -c${connections} -d${duration}s\`, ${rounds} rounds after a ${warmup}s warm-up of each, the two KV-hit runs' order swapped every round; one server loaded at a time. req/s, p50 and p99 are medians over rounds; each ratio is taken within a round (against that round's hello-world run, so both saw the same load on this shared machine), then the median over rounds. The API is \`npm start\`, whose Worker (src/index.ts) answers this route ahead of the Hono app: a GET under \`/.well-known/acme-challenge/\` goes straight to \`answerChallenge\` (KV, then its D1 fallback), with the security headers applied, and never reaches the app's middleware or router; the baseline is [hello-kv](challenge-route/hello-kv/worker.js), a Worker whose only work is one \`KV.get\`, under \`wrangler dev --local\` with the same compatibility date and flags. Both read a seeded 87-byte value. The reference rows are the other paths: the unknown token's first request read D1 once, every later one was answered from the remembered miss (404 counts as non-2xx there, as expected).

${table}

${verdict}`,
    );
  }
});
