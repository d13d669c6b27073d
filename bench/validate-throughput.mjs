#!/usr/bin/env node
/**
 * Requests/s of POST /api/v1/projects/:id/certificate/validate (`npm start`'s wrangler dev) versus the same checks
 * with Node's native crypto.X509Certificate (bench/native-validate-server.mjs), same bodies, same wrk settings,
 * one run. Chains (RSA-2048 and P-256, leaf + intermediate) are generated with openssl into bench/out/.
 *
 *   node bench/validate-throughput.mjs [--rounds 3] [--duration 10] [--warmup 5] [--connections 16] [--write]
 *
 * wrk and both servers share the machine's cores: wrk runs with one thread so it takes at most one of them.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  bootstrapProject, localAdminToken, machineLine, markdownTable, median, option, request, runBench, runDirectory,
  spawnLogged, startApi, waitForHttp, writeResultsSection, BENCH_DIR, freeTcpPorts,
} from "./lib.mjs";

const DOMAIN = "bench.example.com";
const duration = option("duration", 10);
const rounds = option("rounds", 3);
const warmup = option("warmup", 5);
const connections = option("connections", 16);
const write = option("write", false);

/** Root → intermediate → leaf for DOMAIN with openssl; returns the validate body (leaf + intermediate, PKCS#8 key). */
function makeChain(dir, kind) {
  const ssl = (...args) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const keyArgs = kind === "rsa" ? ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"] : ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
  for (const name of ["root", "inter", "leaf"]) ssl("genpkey", ...keyArgs, "-out", `${kind}-${name}.key`);
  ssl("req", "-x509", "-new", "-key", `${kind}-root.key`, "-subj", `/O=Bench/CN=Bench ${kind} root`, "-days", "120",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", `${kind}-root.pem`);
  writeFileSync(join(dir, "inter.ext"), "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n");
  writeFileSync(join(dir, "leaf.ext"), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature${kind === "rsa" ? ",keyEncipherment" : ""}\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${DOMAIN}\n`);
  ssl("req", "-new", "-key", `${kind}-inter.key`, "-subj", `/O=Bench/CN=Bench ${kind} intermediate`, "-out", `${kind}-inter.csr`);
  ssl("x509", "-req", "-in", `${kind}-inter.csr`, "-CA", `${kind}-root.pem`, "-CAkey", `${kind}-root.key`, "-CAcreateserial", "-days", "110", "-extfile", "inter.ext", "-out", `${kind}-inter.pem`);
  ssl("req", "-new", "-key", `${kind}-leaf.key`, "-subj", `/CN=${DOMAIN}`, "-out", `${kind}-leaf.csr`);
  ssl("x509", "-req", "-in", `${kind}-leaf.csr`, "-CA", `${kind}-inter.pem`, "-CAkey", `${kind}-inter.key`, "-CAcreateserial", "-days", "90", "-extfile", "leaf.ext", "-out", `${kind}-leaf.pem`);
  const read = (f) => readFileSync(join(dir, f), "utf8");
  const body = JSON.stringify({ certificate: read(`${kind}-leaf.pem`) + read(`${kind}-inter.pem`), privateKey: read(`${kind}-leaf.key`) });
  const bodyFile = join(dir, `body-${kind}.json`);
  writeFileSync(bodyFile, body);
  return { bodyFile, body: JSON.parse(body) };
}

/** A wrk Lua script that POSTs `bodyFile` (GET without one) and prints the summary as one JSON line at the end. */
function wrkScript(dir, name, token, bodyFile) {
  const path = join(dir, `${name}.lua`);
  const post = `wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("${bodyFile}", "rb")); wrk.body = f:read("*a"); f:close()`;
  writeFileSync(
    path,
    `${bodyFile ? post : ""}
wrk.headers["Authorization"] = "Bearer ${token}"
done = function(s, latency, requests)
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
  const errors = r.status + r.connect + r.read + r.write + r.timeout;
  return { rps: r.requests / (r.durationUs / 1e6), p50: r.p50 / 1000, p99: r.p99 / 1000, requests: r.requests, errors };
}

await runBench(async () => {
  const dir = runDirectory("validate-throughput");
  console.log(`working directory ${dir}`);
  const chains = { "RSA-2048": makeChain(dir, "rsa"), "EC P-256": makeChain(dir, "ec") };

  const api = await startApi({ persistTo: join(dir, "state"), logFile: join(dir, "api.log") });
  const { token, projectId } = await bootstrapProject(api.url, localAdminToken(), DOMAIN);
  const path = `/api/v1/projects/${projectId}/certificate/validate`;

  const [nativePort] = await freeTcpPorts(1);
  const native = spawnLogged("native validate server", process.execPath, [join(BENCH_DIR, "native-validate-server.mjs"), "--port", String(nativePort), "--domain", DOMAIN, "--token", token], {
    logFile: join(dir, "native.log"),
  });
  await waitForHttp(`http://127.0.0.1:${nativePort}/`, { handle: native });
  const servers = { "API (workerd)": api.url, "node:crypto X509Certificate": `http://127.0.0.1:${nativePort}` };

  // Both must say the same thing about each chain before their speed means anything.
  for (const [chain, { body }] of Object.entries(chains)) {
    for (const [name, base] of Object.entries(servers)) {
      const res = await request("POST", base + path, token, body);
      console.log(`${chain} → ${name}: ${res.status} valid=${res.body.valid} keyType=${res.body.keyType} warnings=${JSON.stringify(res.body.warnings)}`);
      if (res.status !== 200 || res.body.valid !== true) throw new Error(`${name} did not accept the ${chain} chain: ${JSON.stringify(res.body)}`);
    }
  }

  // Rounds alternate server and chain, and the median round counts: other work on a 2-core machine (and wrk
  // itself) then weighs on both servers alike instead of on whichever happened to run during a burst.
  const runs = {};
  for (const [chain, { bodyFile }] of Object.entries(chains)) {
    for (const [name, base] of Object.entries(servers)) {
      const key = `${chain}|${name}`;
      runs[key] = { chain, name, url: base + path, script: wrkScript(dir, key.replace(/\W+/g, "_"), token, bodyFile), results: [] };
      await wrk(dir, `${key}-warmup`.replace(/\W+/g, "_"), runs[key].url, runs[key].script, warmup);
    }
  }
  // The floor: an authenticated D1 read with no certificate work, so the ratio can be read as framework + D1 vs PKI.
  runs.floor = { chain: "floor", name: "API GET /api/v1/projects/:id", url: `${api.url}/api/v1/projects/${projectId}`, script: wrkScript(dir, "floor", token, null), results: [] };
  await wrk(dir, "floor-warmup", runs.floor.url, runs.floor.script, warmup);
  for (let round = 1; round <= rounds; round++) {
    for (const run of Object.values(runs)) {
      const r = await wrk(dir, `${run.chain}-${run.name}-${round}`.replace(/\W+/g, "_"), run.url, run.script, duration);
      run.results.push(r);
      console.log(`round ${round} ${run.chain} ${run.name}: ${r.rps.toFixed(1)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.requests} requests, ${r.errors} errors/non-2xx`);
    }
  }
  const summary = (results) => ({
    rps: median(results.map((r) => r.rps)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    requests: results.reduce((n, r) => n + r.requests, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
    all: results.map((r) => r.rps.toFixed(0)).join(", "),
  });
  const rows = [];
  for (const chain of Object.keys(chains)) {
    const [a, b] = Object.keys(servers).map((name) => summary(runs[`${chain}|${name}`].results));
    Object.keys(servers).forEach((name, i) => {
      const r = [a, b][i];
      rows.push([chain, name, r.rps.toFixed(1), r.all, r.p50.toFixed(1), r.p99.toFixed(1), String(r.requests), String(r.errors), i === 0 ? `**${(a.rps / b.rps).toFixed(3)}**` : "1"]);
    });
  }

  const floor = summary(runs.floor.results);
  rows.push(["(reference, no certificate)", "API GET /api/v1/projects/:id", floor.rps.toFixed(1), floor.all, floor.p50.toFixed(1), floor.p99.toFixed(1), String(floor.requests), String(floor.errors), ""]);

  const table = markdownTable(["chain", "server", "req/s (median round)", "req/s each round", "p50 ms", "p99 ms", "requests", "errors / non-2xx", "req/s ratio API ÷ node"], rows);
  console.log(`\n${table}\n`);
  if (write) {
    writeResultsSection(
      "validate-throughput",
      `## 1. Validate throughput (\`POST /api/v1/projects/:id/certificate/validate\`)

${machineLine({ wrk: ["sh", ["-c", "wrk -v 2>&1 | head -1 | cut -d' ' -f2"]], openssl: ["sh", ["-c", "openssl version | cut -d' ' -f2"]] })}

\`\`\`sh
node bench/validate-throughput.mjs --rounds ${rounds} --duration ${duration} --warmup ${warmup} --connections ${connections} --write
\`\`\`

wrk \`-t1 -c${connections} -d${duration}s\`, ${rounds} rounds alternating servers and chains after a ${warmup}s warm-up of each, median round shown; same body and Bearer token for both servers, one server loaded at a time. p50/p99 are wrk latencies under that load (medians over rounds).

${table}`,
    );
  }
});
