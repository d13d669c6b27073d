#!/usr/bin/env node
/**
 * Time to a certificate over HTTP-01: the API (POST /api/v1/projects/:id/certificate/obtain under wrangler dev)
 * versus certbot and lego (Debian packages), each against its own Pebble started with the same settings
 * (PEBBLE_VA_NOSLEEP=1, PEBBLE_AUTHZREUSE=0, PEBBLE_WFE_NONCEREJECT=0), one shared challtestsrv, one run.
 *
 *   node bench/time-to-certificate.mjs [--n 7] [--write]
 *
 * Why one Pebble per contender: Pebble validates HTTP-01 on one port (its config's httpPort) for every name, and
 * each contender needs a listener of its own there (the Worker, certbot --standalone, lego --http). With a Pebble
 * each, the three can take turns round-robin (API, certbot, lego, API, …) so that drift on the machine hits all
 * three alike. Each contender first makes one unmeasured issuance (ACME account registration, Worker warm-up);
 * then `n` measured ones, each for a fresh name. EC P-256 certificate keys for all three.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { findPebbleBinaries } from "../scripts/pebble/binaries.mjs";
import { startE2eEnvironment } from "../scripts/pebble/e2e-environment.mjs";
import { PebbleServer } from "../scripts/pebble/pebble-server.mjs";
import { ensureTestCa, testCaPaths } from "../scripts/pebble/test-ca.mjs";
import {
  bootstrapProject, createProject, freeTcpPorts, machineLine, markdownTable, median, option, request, runBench,
  runDirectory, spawnLogged, stopProcess, writeResultsSection,
} from "./lib.mjs";

const n = option("n", 7);
const write = option("write", false);
const EMAIL = "bench@example.com";
const TIMEOUT_MS = 120_000;

const freshName = (label, i) => `${label}-${i}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}.certdesk.test`;

/** Runs a CLI in its own process group, killed after TIMEOUT_MS; resolves with its wall time once `file` exists. */
async function timeCli(name, command, args, env, logFile, file) {
  const started = performance.now();
  const handle = spawnLogged(name, command, args, { env: { ...process.env, ...env }, logFile });
  const timer = setTimeout(() => stopProcess(handle), TIMEOUT_MS);
  const code = await handle.exited;
  const ms = performance.now() - started;
  clearTimeout(timer);
  if (code !== 0 || !existsSync(file)) throw new Error(`${name} failed (exit ${code}); see ${logFile}`);
  return ms;
}

async function main() {
  const dir = runDirectory("time-to-certificate");
  console.log(`working directory ${dir}`);
  const environment = await startE2eEnvironment({ issuanceWaitSeconds: 90, log: (line) => console.log(`[e2e] ${line}`) });
  try {
    const { values, stack } = environment;
    if (!stack?.dnsServer) throw new Error("startE2eEnvironment() no longer returns `stack` (its challtestsrv DNS address is needed for the CLIs' Pebbles)");
    const paths = testCaPaths();
    const [certbotPort, legoPort] = await freeTcpPorts(2);
    // No deliberate bad nonces on any of the three: Debian's certbot 2.1 on Python 3.11 crashes on an ACME error
    // response it would otherwise retry ("AttributeError: can't set attribute", certbot/certbot#9539).
    await stack.main.restart({ nonceReject: 0 });
    const pebbleFor = async (name, httpPort) => {
      const server = new PebbleServer({ name, runDir: values.runDir, ca: paths, httpPort, dnsServer: stack.dnsServer, binary: findPebbleBinaries().pebble });
      await server.start({ nonceReject: 0 });
      return server;
    };
    const certbotPebble = await pebbleFor("pebble-certbot", certbotPort);
    const legoPebble = await pebbleFor("pebble-lego", legoPort);
    const { token } = await bootstrapProject(values.workerUrl, values.adminToken, freshName("setup", 0));
    for (const sub of ["certbot", "lego"]) mkdirSync(join(dir, sub), { recursive: true });

    const contenders = {
      API: async (i) => {
        const projectId = await createProject(values.workerUrl, token, freshName("api", i));
        const res = await request("POST", `${values.workerUrl}/api/v1/projects/${projectId}/certificate/obtain`, token, { email: EMAIL, challengeType: "http-01", keyType: "ec" });
        if (res.status !== 200 || !res.body.certificate) throw new Error(`obtain answered ${res.status}: ${JSON.stringify(res.body)}`);
        return res.ms;
      },
      certbot: async (i) => {
        const name = freshName("certbot", i);
        const base = join(dir, "certbot");
        const args = [
          "certonly", "--non-interactive", "--agree-tos", "--no-eff-email", "-m", EMAIL,
          "--server", certbotPebble.directoryUrl,
          "--standalone", "--preferred-challenges", "http", "--http-01-port", String(certbotPort), "--http-01-address", "127.0.0.1",
          "--key-type", "ecdsa", "--elliptic-curve", "secp256r1",
          "--config-dir", join(base, "config"), "--work-dir", join(base, "work"), "--logs-dir", join(base, "logs"),
          "-d", name,
        ];
        return timeCli(`certbot ${i}`, "certbot", args, { REQUESTS_CA_BUNDLE: paths.caCert }, join(base, `run-${i}.log`), join(base, "config", "live", name, "fullchain.pem"));
      },
      lego: async (i) => {
        const name = freshName("lego", i);
        const base = join(dir, "lego");
        const args = [
          "--accept-tos", "--email", EMAIL, "--server", legoPebble.directoryUrl, "--path", join(base, "data"),
          "--http", "--http.port", `127.0.0.1:${legoPort}`, "--key-type", "ec256", "-d", name, "run",
        ];
        return timeCli(`lego ${i}`, "lego", args, { LEGO_CA_CERTIFICATES: paths.caCert }, join(base, `run-${i}.log`), join(base, "data", "certificates", `${name}.crt`));
      },
    };

    const times = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
    const warm = {};
    for (let i = 0; i <= n; i++) {
      for (const [name, issue] of Object.entries(contenders)) {
        const ms = await issue(i);
        if (i === 0) warm[name] = ms;
        else times[name].push(ms);
        console.log(`${name} ${i === 0 ? "warm-up" : `#${i}`}: ${(ms / 1000).toFixed(3)} s`);
      }
    }

    const api = median(times.API);
    const rows = Object.entries(times).map(([name, list]) => [
      name,
      (median(list) / 1000).toFixed(3),
      (Math.min(...list) / 1000).toFixed(3),
      (Math.max(...list) / 1000).toFixed(3),
      (warm[name] / 1000).toFixed(3),
      name === "API" ? "1" : `**${(api / median(list)).toFixed(3)}**`,
    ]);
    const table = markdownTable(["contender", "median s", "min s", "max s", "warm-up s (not counted)", "API median ÷ this median"], rows);
    const perRun = markdownTable(["run", ...Object.keys(times)], times.API.map((_, i) => [`#${i + 1}`, ...Object.values(times).map((l) => (l[i] / 1000).toFixed(3))]));
    const aim = api <= median(times.certbot) / 10;
    const verdict = `Aim (API median ≤ 1/10 of certbot's): **${aim ? "met" : "not met"}** (${(api / 1000).toFixed(3)} s vs ${(median(times.certbot) / 10_000).toFixed(3)} s).`;
    console.log(`\n${table}\n\n${perRun}\n\n${verdict}\n`);
    if (write) {
      writeResultsSection(
        "time-to-certificate",
        `## 2. Time to a certificate (HTTP-01, Pebble)

${machineLine({ pebble: ["sh", ["-c", "dpkg-query -W -f '${Version}' pebble"]], certbot: ["sh", ["-c", "dpkg-query -W -f '${Version}' certbot"]], lego: ["sh", ["-c", "dpkg-query -W -f '${Version}' lego"]] })}

\`\`\`sh
node bench/time-to-certificate.mjs --n ${n} --write
\`\`\`

${n} issuances each, fresh name each, EC P-256 keys, round-robin API → certbot → lego; wall time from request to the 200
response (API) or to the process exit with the certificate on disk (certbot \`certonly --standalone\`, lego \`run --http\`).
One Pebble per contender, all with PEBBLE_VA_NOSLEEP=1, PEBBLE_AUTHZREUSE=0, PEBBLE_WFE_NONCEREJECT=0.

${table}

${verdict}

<details><summary>every run (s)</summary>

${perRun}

</details>`,
      );
    }
  } finally {
    await environment.stop();
  }
}

// workerd trusts Pebble's HTTPS certificate only if NODE_EXTRA_CA_CERTS is in wrangler's environment from the
// start (as scripts/test.mjs does for vitest): re-run this script with it set.
const ca = ensureTestCa();
if (process.env.NODE_EXTRA_CA_CERTS !== ca.caCert) {
  const child = spawn(process.execPath, process.argv.slice(1), { stdio: "inherit", env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.caCert } });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code) => process.exit(code ?? 1));
} else {
  await runBench(main);
}
