#!/usr/bin/env node
/**
 * Requests/s of POST /api/v1/projects/:id/certificate/validate (`npm start`'s wrangler dev) versus the same checks
 * with Node's native crypto.X509Certificate (bench/native-validate-server.mjs), same bodies, same wrk settings,
 * one run; and versus the API's own authenticated GET /api/v1/projects/:id in the same rounds (the issue's aim:
 * validate ≥ 0.8× that GET, i.e. the certificate work stays a small part of the request). Chains (RSA-2048 and
 * P-256, leaf + intermediate) are generated with openssl into bench/out/.
 *
 * Before the load, bench/validate-cpu/ times the steps of the certificate check inside workerd, the current src/pki
 * beside `--before`'s (extracted with `git archive`), and the whole validate request beside the GET, in-process.
 *
 *   node bench/validate-throughput.mjs [--rounds 5] [--duration 8] [--warmup 5] [--connections 16]
 *                                      [--cpu-samples 15] [--before <commit>] [--write]
 *
 * wrk and both servers share the machine's cores: wrk runs with one thread so it takes at most one of them.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  bootstrapProject, localAdminToken, machineLine, markdownTable, median, option, request, roundOrder, roundRatios, runBench,
  runDirectory, runVitest, runWrk, spawnLogged, startApi, summarizeRuns, waitForHttp, writeResultsSection, wrkScript,
  BENCH_DIR, REPO_ROOT, freeTcpPorts,
} from "./lib.mjs";

const DOMAIN = "bench.example.com";
const duration = option("duration", 8);
const rounds = option("rounds", 5);
const warmup = option("warmup", 5);
const connections = option("connections", 16);
const cpuSamples = option("cpu-samples", 15);
/** The PKI path before the parse-once change (the commit the CPU table's "before" column is). */
const before = option("before", "4ac39322ffbc0a3ddbb1374785f911ebf24f1b78");
const write = option("write", false);
/** The issue's aim: validate ≥ 0.8× the authenticated GET in the same run (certificate work ≤ 20 % of the request). */
const AIM = 0.8;
/** As bench/validate-cpu/context.ts RESULT_MARKER. */
const CPU_MARKER = "VALIDATE_CPU_RESULT";

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

/**
 * A validate body exactly as long as `body`'s JSON, whose certificate field is a PEM block of zero bytes: the check
 * stops at its first block (not a DER SEQUENCE), the project is read, and the answer is 400. The reference row: the
 * same POST, body size and project read as validate, without the certificate work.
 */
function noCertificateBody(dir, body) {
  const length = JSON.stringify(body).length;
  const wrap = (fill) => JSON.stringify({ certificate: `-----BEGIN CERTIFICATE-----\n${fill}\n-----END CERTIFICATE-----\n`, privateKey: body.privateKey });
  const fill = "A".repeat(Math.max(4, length - wrap("").length) & ~3);
  const text = wrap(fill);
  const bodyFile = join(dir, "body-no-certificate.json");
  writeFileSync(bodyFile, text);
  return { bodyFile, text };
}

/** src/ of commit `before` under `dir`/before (read-only git: archive, no checkout), for the CPU table's first column. */
function extractBefore(dir) {
  const target = join(dir, "before");
  mkdirSync(target, { recursive: true });
  const tar = join(dir, "before.tar");
  execFileSync("git", ["archive", "--format=tar", "-o", tar, before, "src"], { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"] });
  execFileSync("tar", ["-xf", tar, "-C", target]);
  return join(target, "src");
}

const ms = (v) => (v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const pct = (v) => `${(v * 100).toFixed(0)} %`;

/** The CPU tables of the section from bench/validate-cpu/'s result. */
function cpuReport(cpu) {
  const steps = cpu.rows.filter((r) => r.group === "step");
  const stepRows = steps.map((r) => {
    const b = median(r.versions.before);
    const c = median(r.versions.current);
    // Below the table's resolution a difference is shown as none, not as "-0.000".
    return [r.label, r.chain, `${r.batch}`, ms(b), ms(c), `**${(c / b).toFixed(2)}**`, ms(Math.abs(b - c) < 0.0005 ? 0 : b - c)];
  });
  const requests = cpu.rows.filter((r) => r.group === "request");
  const requestMs = (label, chain) => median(requests.find((r) => r.label.startsWith(label) && r.chain === chain).versions.current);
  const checkMs = (chain) => median(steps.find((r) => r.label.startsWith("checkCertificate") && r.chain === chain).versions.current);
  const requestRows = requests.map((r) => {
    const m = median(r.versions.current);
    const share = steps.some((step) => step.chain === r.chain) ? pct(checkMs(r.chain) / m) : "";
    return [r.label, r.chain, `${r.batch}`, ms(m), share];
  });
  const chains = [...new Set(steps.map((r) => r.chain))];
  const shares = chains.map((chain) => `${chain} ${pct(checkMs(chain) / requestMs("POST …/certificate/validate, whole request", chain))}`).join(", ");
  // What the in-process rows say together (EC chain): the GET, then what the same POST without certificate work adds
  // (its body, the 400 answer), then the check, then what is left (the report, its answer).
  const ec = chains[chains.length - 1];
  const validateEc = requestMs("POST …/certificate/validate, whole request", ec);
  const noCertificate = requestMs("POST …/certificate/validate, same-size body without a certificate", "—");
  const get = requestMs("GET /api/v1/projects/:id", "—");
  const split =
    `${ec}: validate ${ms(validateEc)} ms = GET ${ms(get)} + the POST's body and answer ${ms(noCertificate - get)} ` +
    `+ certificate check ${ms(checkMs(ec))} + the rest ${ms(validateEc - noCertificate - checkMs(ec))}`;
  return {
    split,
    stepTable: markdownTable(["step", "chain", "batch", "before: median ms", "now: median ms", "now ÷ before", "saved ms"], stepRows),
    requestTable: markdownTable(["in-process (through the Worker's fetch, D1 included)", "chain", "batch", "median ms", "checkCertificate (now) ÷ this"], requestRows),
    shares,
    samplesLine: cpu.rows
      .map((r) => `- ${r.label}, ${r.chain}: ${Object.entries(r.versions).map(([v, s]) => `${v} ${s.map(ms).join(", ")}`).join("; ")}`)
      .join("\n"),
  };
}

await runBench(async () => {
  const dir = runDirectory("validate-throughput");
  console.log(`working directory ${dir}`);
  const chains = { "RSA-2048": makeChain(dir, "rsa"), "EC P-256": makeChain(dir, "ec") };
  const noCertificate = noCertificateBody(dir, chains["EC P-256"].body);

  // CPU per step inside workerd, before anything else loads the machine.
  const inputFile = join(dir, "validate-cpu-input.json");
  writeFileSync(
    inputFile,
    JSON.stringify({
      domain: DOMAIN,
      noCertificateBody: noCertificate.text,
      chains: Object.entries(chains).map(([label, { body }]) => ({ label, ...body })),
      samples: cpuSamples,
      before,
      beforeSrc: extractBefore(dir),
    }),
  );
  const [cpu] = await runVitest("bench/validate-cpu/vitest.config.ts", CPU_MARKER, { env: { ...process.env, VALIDATE_CPU_INPUT: inputFile } });
  writeFileSync(join(dir, "validate-cpu-result.json"), JSON.stringify(cpu));

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
  const refused = await request("POST", api.url + path, token, JSON.parse(noCertificate.text));
  if (refused.status !== 400 || refused.body.code !== "invalid_certificate") throw new Error(`validate without a certificate: ${refused.status} ${JSON.stringify(refused.body)}`);

  const runs = [];
  for (const [chain, { bodyFile }] of Object.entries(chains)) {
    for (const [name, base] of Object.entries(servers)) {
      const key = `${chain}|${name}`;
      runs.push({ key, chain, name, url: base + path, script: wrkScript(dir, key.replace(/\W+/g, "_"), { token, bodyFile }), results: [] });
    }
  }
  // The API's own floor: an authenticated D1 read with no certificate work (the token verified from the isolate's
  // cache after the first request), so validate ÷ GET is the share of the request the certificate work adds.
  const floor = { key: "floor", chain: "(reference, no certificate)", name: "API GET /api/v1/projects/:id", url: `${api.url}/api/v1/projects/${projectId}`, script: wrkScript(dir, "floor", { token }), results: [] };
  runs.push(floor);
  const noCertificateRun = {
    key: "no-certificate",
    chain: "(reference, 400)",
    name: "API, validate with a same-size body without a certificate: the POST, its body and the project read, no certificate work",
    url: api.url + path,
    script: wrkScript(dir, "no_certificate", { token, bodyFile: noCertificate.bodyFile }),
    results: [],
  };
  runs.push(noCertificateRun);
  for (const run of runs) await runWrk({ dir, label: `${run.key}-warmup`, url: run.url, script: run.script, seconds: warmup, connections });
  // Rounds run every contender back to back, the order reversed every other round; ratios are taken within a round
  // (same load on this shared machine), then the median over rounds.
  for (let round = 1; round <= rounds; round++) {
    for (const run of roundOrder(runs, round)) {
      const r = await runWrk({ dir, label: `${run.key}-${round}`, url: run.url, script: run.script, seconds: duration, connections });
      run.results.push(r);
      console.log(`round ${round} ${run.chain} ${run.name}: ${r.rps.toFixed(1)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.requests} requests, ${r.non2xx + r.errors} errors/non-2xx`);
    }
  }

  const find = (chain, name) => runs.find((r) => r.chain === chain && r.name === name);
  const [apiName, nodeName] = Object.keys(servers);
  const rows = [];
  const aims = [];
  const line = (run, nodeRatio, floorRatio) => {
    const s = summarizeRuns(run.results);
    return [run.chain, run.name, s.rps.toFixed(1), s.all, s.p50.toFixed(1), s.p99.toFixed(1), String(s.requests), String(s.non2xx + s.errors), nodeRatio, floorRatio];
  };
  for (const chain of Object.keys(chains)) {
    const apiRun = find(chain, apiName);
    const nodeRun = find(chain, nodeName);
    const vsNode = median(roundRatios(apiRun.results, nodeRun.results));
    const perRound = roundRatios(apiRun.results, floor.results);
    const vsFloor = median(perRound);
    aims.push({ chain, vsFloor, perRound });
    rows.push(line(apiRun, `**${vsNode.toFixed(3)}**`, `**${vsFloor.toFixed(2)}** (${perRound.map((r) => r.toFixed(2)).join(", ")})`));
    rows.push(line(nodeRun, "1", ""));
  }
  rows.push(line(floor, "", "1"));
  const noCertificateRatios = roundRatios(noCertificateRun.results, floor.results);
  rows.push(line(noCertificateRun, "", `${median(noCertificateRatios).toFixed(2)} (${noCertificateRatios.map((r) => r.toFixed(2)).join(", ")})`));

  const table = markdownTable(
    ["chain", "server", "req/s (median round)", "req/s each round", "p50 ms", "p99 ms", "requests", "errors / non-2xx", "API ÷ node (median of the rounds' ratios)", "validate ÷ GET (median of the rounds' ratios; each round)"],
    rows,
  );
  const met = aims.every((a) => a.vsFloor >= AIM);
  const aim =
    `Aim (validate ≥ ${AIM}× the authenticated GET in the same run): **${met ? "met" : "not met"}**: ` +
    `${aims.map((a) => `${a.chain} **${a.vsFloor.toFixed(2)}**`).join(", ")}.`;
  const report = cpuReport(cpu);
  console.log(`\n${table}\n\n${aim}\n\n${report.stepTable}\n\n${report.requestTable}\n\ncheckCertificate's share of the validate request (in-process): ${report.shares}\n${report.split}\n`);
  if (write) {
    writeResultsSection(
      "validate-throughput",
      `## 1. Validate throughput (\`POST /api/v1/projects/:id/certificate/validate\`)

${machineLine({ wrk: ["sh", ["-c", "wrk -v 2>&1 | head -1 | cut -d' ' -f2"]], openssl: ["sh", ["-c", "openssl version | cut -d' ' -f2"]] })}

\`\`\`sh
node bench/validate-throughput.mjs --rounds ${rounds} --duration ${duration} --warmup ${warmup} --connections ${connections} --cpu-samples ${cpuSamples} --before ${before.slice(0, 12)} --write
\`\`\`

wrk \`-t1 -c${connections} -d${duration}s\`, ${rounds} rounds after a ${warmup}s warm-up of each run, every run of a round back to back and the order reversed every other round; one server loaded at a time; same body and Bearer token for both servers. req/s, p50 and p99 are medians over rounds; each ratio is taken within a round (both runs under the same load on this shared machine), then the median over rounds. The GET row is the API's floor: the same authentication (token verified from the isolate's cache once warm) and project read, no certificate work. The 400 row posts a body as long as the EC one whose certificate is a PEM block of zero bytes: the same POST, body and project read as validate without the certificate work (its answers count as non-2xx, as expected).

${table}

${aim}

### Where a validate request's time goes

Validate makes one D1 statement, as the GET does (section 6, "D1 queries per request"): the certificate is read first, then the project and the first of the certificate's names the team does not hold come from one statement; as a read it writes no audit row and asks the primary for no bookmark. Its body is 3–5 KiB of JSON. The intermediate is parsed once per isolate (parsed CA certificates are kept, src/pki/ca-certificate-cache.ts), as a CA's intermediate arrives with every certificate it issued; the leaf and the key are read on every request. In-process, inside workerd (bench/validate-cpu/: the Worker's fetch handler called directly, the pool's local D1 in memory, so D1 is cheaper here than under \`wrangler dev\`, whose local D1 is a file; wall ms per request, token warm; batches of back-to-back calls):

${report.requestTable}

checkCertificate's share of the validate request: ${report.shares}. Split (medians, so the parts add up only roughly): ${report.split}.

### CPU per step of the certificate check, before and now

The same chains and key as the load, inside workerd (the vitest pool's), the steps of \`checkCertificate\` (src/pki/check-certificate.ts) one by one, timed as batches of back-to-back calls sized to ~${cpu.batchMs} ms (workerd's clock counts whole milliseconds; sequential CPU-bound calls: wall time is CPU time). "before" is src/pki at ${before.slice(0, 12)} (extracted with \`git archive\`), "now" the working tree; samples alternate between the two, the order swapped every round, ${cpuSamples} samples each, median shown.

${report.stepTable}

<details><summary>every sample (ms per call)</summary>

${report.samplesLine}

</details>`,
    );
  }
});
