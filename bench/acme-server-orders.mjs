#!/usr/bin/env node
/**
 * Complete ACME orders per second through our server (a `private` pre-approved directory on `wrangler dev`) ÷ through
 * Pebble on the same machine with PEBBLE_VA_ALWAYS_VALID=1 (no validation either side), driven by the same load
 * script (bench/acme-orders/jws-client.mjs): N concurrent clients, each registers one account with EAB (not timed),
 * then loops newOrder → (Pebble: authorization + challenge POST, order polls) → finalize → download with EC P-256 CSRs
 * made beforehand. Rounds alternate the two servers (order reversed every other round) so both see the same load.
 *
 *   node bench/acme-server-orders.mjs [--clients 4] [--rounds 5] [--duration 8] [--warmup 4] [--csrs 64] [--write]
 */
import "reflect-metadata"; // @peculiar/x509 (tsyringe) needs it loaded first
import * as x509 from "@peculiar/x509";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { startEabPebble } from "../test/node/support/eab-pebble.mjs";
import { createPrivateDirectory } from "../test/node/support/private-acme-directory.mjs";
import { startWorker } from "../test/node/support/private-ca-worker.mjs";
import { AcmeLoadClient, acmeAgent, makeCsr } from "./acme-orders/jws-client.mjs";
import { cpuDelta, cpuSnapshot } from "./acme-orders/process-cpu.mjs";
import { machineLine, markdownTable, median, option, roundOrder, runBench, runDirectory, writeResultsSection } from "./lib.mjs";

const clients = option("clients", 4);
const rounds = option("rounds", 5);
const duration = option("duration", 8);
const warmup = option("warmup", 4);
const csrCount = option("csrs", 64);
const write = option("write", false);
const DOMAIN = "bench.clients.test";
const PRIVATE = "private directory";
/** Written by hand from the run and the isolate's CPU profile of 2026-12-06 (see bench/README.md); kept on --write. */
const PROFILE = `Where our time goes (below 0.5): the CPU column above is the whole story at this load. An order costs Pebble a few
ms of its own CPU for 7 requests; it costs ours some 20 times more in workerd plus wrangler dev's Node process for 3
requests, so on 2 shared cores the Worker saturates at a few orders per second while Pebble is idle most of the time. A CPU profile of the Worker's isolate through wrangler dev's inspector (the \`Profiler\` domain,
10 s of this load with 4 clients, 2026-12-06, under the same CI load) put about 60 % of the isolate's JS time
under D1 access through drizzle (query building, row mapping, the D1 binding's bookmark and JSON handling), and the
rest in reading and verifying the CSR (\`@peculiar/asn1\` parsing), signing the leaf, JWS verification and Hono's
middleware. Two costs are per request rather than per order and stand out: \`provideDeps\` (src/app.ts) builds a new
drizzle client over each request's D1 session (\`drizzle(session, { schema })\`, src/db/client.ts), which walks the
whole schema's relations every time (an \`is\` function of the bundle, by its name drizzle's entity check, was
about 4 % of the isolate's samples alone); and every POST,
POST-as-GET included, is a change for the session logic (src/http/d1-session.ts), so it pays one more D1 statement
(\`SELECT 1\` on a first-primary session) for the bookmark, which an ACME client never sends back. wrangler dev's
Node process is not the app: its inspector proxy logs every request's Network events to the debug log (about 2 MB a
minute here); a deployed Worker has neither that nor the local SQLite. Not changed here (src/ is out of this bench's
scope).`;

x509.cryptoProvider.set(crypto);

/** Every client loops orders until `seconds` have passed (an order under way is finished); orders/s over the whole span. */
async function runLoad(contender, csrs, seconds) {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const latencies = [];
  let next = 0;
  const cpuBefore = cpuSnapshot();
  const before = contender.clients.map((c) => ({ count: { ...c.requests }, ms: { ...c.requestMs } }));
  await Promise.all(
    contender.clients.map(async (client) => {
      while (performance.now() < deadline) {
        const { name, der } = csrs[next++ % csrs.length];
        const t0 = performance.now();
        await client.order(name, der);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds_ = (performance.now() - started) / 1000;
  const requests = {};
  const requestMs = {};
  contender.clients.forEach((c, i) => {
    for (const [kind, count] of Object.entries(c.requests)) requests[kind] = (requests[kind] ?? 0) + count - (before[i].count[kind] ?? 0);
    for (const [kind, ms] of Object.entries(c.requestMs)) requestMs[kind] = (requestMs[kind] ?? 0) + ms - (before[i].ms[kind] ?? 0);
  });
  return { orders: latencies.length, seconds: seconds_, rate: latencies.length / seconds_, p50: median(latencies), cpu: cpuDelta(cpuBefore, cpuSnapshot()), requests, requestMs, load: loadavg()[0] };
}

async function main() {
  const dir = runDirectory("acme-server-orders");
  console.log(`working directory ${dir}`);
  const pebble = await startEabPebble({ runDir: join(dir, "pebble"), alwaysValid: true });
  const worker = await startWorker("bench-acme-server-orders");
  let failed = true;
  try {
    const setup = await createPrivateDirectory(worker.url, worker.adminToken, { slug: "bench", domain: DOMAIN });
    const csrs = [];
    for (let i = 0; i < csrCount; i++) {
      const name = `o${i}.${DOMAIN}`;
      csrs.push({ name, der: await makeCsr(x509, name) });
    }
    const pebbleAgent = acmeAgent({ ca: readFileSync(pebble.caCert), connections: clients });
    const privateAgent = acmeAgent({ connections: clients });
    const contenders = {
      Pebble: { clients: Array.from({ length: clients }, () => new AcmeLoadClient({ directoryUrl: pebble.directoryUrl, eab: pebble.eab, agent: pebbleAgent })) },
      [PRIVATE]: { clients: [] },
    };
    for (let i = 0; i < clients; i++) contenders[PRIVATE].clients.push(new AcmeLoadClient({ directoryUrl: setup.directory.directoryUrl, eab: await setup.eabKey(), agent: privateAgent }));
    for (const contender of Object.values(contenders)) await Promise.all(contender.clients.map((c) => c.register()));

    for (const [name, contender] of Object.entries(contenders)) {
      const w = await runLoad(contender, csrs, warmup);
      console.log(`${name} warm-up: ${w.orders} orders, ${w.rate.toFixed(1)}/s`);
    }
    const results = { Pebble: [], [PRIVATE]: [] };
    for (let round = 1; round <= rounds; round++) {
      for (const name of roundOrder(Object.keys(contenders), round)) {
        const r = await runLoad(contenders[name], csrs, duration);
        results[name].push(r);
        console.log(`round ${round} ${name}: ${r.orders} orders in ${r.seconds.toFixed(1)} s = ${r.rate.toFixed(1)}/s, p50 ${r.p50.toFixed(0)} ms, load ${r.load.toFixed(2)}`);
      }
    }

    const ratios = results[PRIVATE].map((r, i) => r.rate / results.Pebble[i].rate);
    const ratio = median(ratios);
    // Per order: how many requests of each kind, and their mean wall time (ms) as the client saw it.
    const perOrder = (list) => {
      const count = {};
      const ms = {};
      const orders = list.reduce((n, r) => n + r.orders, 0);
      for (const r of list) for (const [k, v] of Object.entries(r.requests)) count[k] = (count[k] ?? 0) + v;
      for (const r of list) for (const [k, v] of Object.entries(r.requestMs)) ms[k] = (ms[k] ?? 0) + v;
      // A resend after wrangler's 503 is counted apart and has no time of its own (its request is the kind it resent).
      return Object.entries(count).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${(v / orders).toFixed(2)}${ms[k] === undefined ? ` (${v} in all)` : ` × ${(ms[k] / v).toFixed(0)} ms`}`).join(", ");
    };
    const cpuPerOrder = (list) => {
      const total = {};
      const orders = list.reduce((n, r) => n + r.orders, 0);
      const wall = list.reduce((n, r) => n + r.seconds, 0);
      for (const r of list) for (const [k, v] of Object.entries(r.cpu)) total[k] = (total[k] ?? 0) + v;
      const busy = Object.values(total).reduce((a, b) => a + b, 0);
      const parts = Object.entries(total).sort((a, b) => b[1] - a[1]).filter(([, v]) => v / orders >= 0.0005).map(([k, v]) => `${k} ${((v / orders) * 1000).toFixed(1)}`);
      return `${parts.join(", ")} (all ${((busy / orders) * 1000).toFixed(1)} ms; ${((busy / wall) * 100).toFixed(0)} % of one core over the runs)`;
    };
    const rows = Object.entries(results).map(([name, list]) => [
      name,
      median(list.map((r) => r.rate)).toFixed(1),
      list.map((r) => r.rate.toFixed(1)).join(", "),
      median(list.map((r) => r.p50)).toFixed(0),
      list.reduce((n, r) => n + r.orders, 0),
      perOrder(list),
      cpuPerOrder(list),
    ]);
    const table = markdownTable(["server", "orders/s (median round)", "orders/s each round", "p50 ms per order", "orders", "requests per order × mean ms each", "CPU ms per order, by process"], rows);
    const line = `ACME server orders per second / Pebble: ${ratio.toFixed(2)}`;
    const loads = results[PRIVATE].map((r, i) => `${results.Pebble[i].load.toFixed(2)}/${r.load.toFixed(2)}`).join(", ");
    console.log(`\n${table}\n\n${line} (aim ≥ 0.5; each round: ${ratios.map((r) => r.toFixed(2)).join(", ")})\n1-minute load average after each run (Pebble/ours): ${loads}`);
    if (write) {
      writeResultsSection(
        "acme-server-orders",
        `## ACME server: complete orders per second, private directory vs Pebble (issue 23)

${machineLine({ pebble: ["sh", ["-c", "dpkg-query -W -f '${Version}' pebble"]] })}

\`\`\`sh
node bench/acme-server-orders.mjs --clients ${clients} --rounds ${rounds} --duration ${duration} --warmup ${warmup} --csrs ${csrCount} --write
\`\`\`

${clients} concurrent clients per server, the same load script ([acme-orders/jws-client.mjs](acme-orders/jws-client.mjs):
ES256 JWS with Node's crypto, undici keep-alive pools of ${clients} connections). Each client registers one account
with EAB before the clock starts, then loops newOrder → finalize → download for ${duration} s per round (an order under
way is finished and counted; rate = orders ÷ the whole span), ${rounds} rounds after a ${warmup} s warm-up of each, the
two servers alternating and their order reversed every other round. CSRs: ${csrCount} EC P-256 CSRs (one name each
under \`${DOMAIN}\`) made before the load and reused in turn. Ours: a \`private\` \`pre-approved\` directory
issuing from an EC P-256 intermediate, \`wrangler dev\` over HTTP (local D1). Pebble: EAB required,
PEBBLE_VA_ALWAYS_VALID=1 (bench baseline only), PEBBLE_VA_NOSLEEP=1, PEBBLE_AUTHZREUSE=0, PEBBLE_WFE_NONCEREJECT=0,
over HTTPS. Pebble's orders start \`pending\`, so its clients also POST-as-GET the authorization, POST the challenge
and poll the order (every 25 ms) before finalizing, and poll again while it issues; ours are \`ready\` at newOrder
and \`valid\` at finalize, so those round trips are ours to skip (RFC 8555 §7.1.6).

${table}

${line}

Each round's ratio: ${ratios.map((r) => r.toFixed(2)).join(", ")}. 1-minute load average after each run (Pebble/ours): ${loads}.

${PROFILE}`,
      );
    }
    failed = false;
  } finally {
    await worker.stop(failed); // keeps the Worker's logs when something failed
    await pebble.stop();
  }
}

await runBench(main);
