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
/** Written by hand from the runs and the isolate's CPU profiles of 2026-12-06 (bench/acme-orders/profile.mjs); kept on --write. */
const PROFILE = `What changed since the first run (0.08 at 07:23 UTC the same day, under a similar load: Pebble 35.6 orders/s, ours
2.7; CPU per order workerd 126.8 ms, wrangler dev's Node 88.9 ms): the D1 calls of an order (newOrder → finalize →
download) went from 23 to 12, and each costs less JS.

- The ACME routes (\`/acme/…\`) get the isolate's own database client, with no D1 session (src/app.ts \`provideDeps\`),
  as the HTTP-01 and \`/pki/\` routes do: no drizzle client built over a session per request (its walk of the schema
  was about 6 % of the isolate's samples), and no \`SELECT 1\` on the primary after each POST for a bookmark that no ACME
  client sends back. Every ACME query goes to the primary, so a client still reads its own writes on its next
  request; nonces were already single-use in a Durable Object.
- The lookups of the hot path are prepared once per client (src/db/prepared.ts) instead of built per call, and are
  plain selects rather than relational \`findFirst\` (which also walks the schema per call).
- One statement reads the account, whether its EAB key is revoked, and whether its directory is in use (was three:
  directory, account, key); one reads the order with its authorization ids (was two); one the CA with the
  certificate to download (was two). A \`kid\` request starts from the directory row the isolate kept (a directory
  changes only by deletion) and the account's statement confirms it is still in use; a request that did not get
  that far reads the directory again before answering, so a deleted directory answers 404 as before.
- A DNS name no longer goes through ipaddr's parsers unless it could be an IPv4 form (about 3 % of the samples).

Where the time goes now, and why 0.5 is still out of reach here. The CPU of an order roughly halved (the table's
last column against the first run's 228.5 ms), but the ratio moved less, and follows the machine's load: earlier
runs today gave 0.19 with the first half of these changes while Pebble made 21.6 orders/s, and 0.12 with all of
them while Pebble made 35.9. At 4 clients our processes use about half of one core: an order is bound by its
latency (p50 0.8–0.9 s against Pebble's 0.1–0.2 s), and that latency is a chain of waits. Each of our 3 requests crosses wrangler dev's proxy (a second workerd) and then makes its calls
one after another, 16 per order: newOrder 5 (the account, the nonce's Durable Object, the account's order allowance
in the team limiter's Durable Object, the CA, the insert batch), finalize 7 (account, nonce, the order, the CA, the
move to processing, the certificate's batch, the team's webhook subscriptions), download 4 (account, nonce, the
order, the CA with the certificate). In \`wrangler dev\` each D1 statement is a subrequest to the local D1 simulator,
which wrangler's inspector proxy also reports as four DevTools \`Network\` events that its Node process relays and
writes to its debug log whatever \`--log-level\` says (the node column: not the app, and absent from a deployed
Worker). On 2 cores that other work keeps at a load of 10 to 15, every one of those hops waits for a core; Pebble
answers each of its 7 requests within one Go process, from memory, in about 6 ms of CPU per order in all. In the
isolate itself (bench/acme-orders/profile.mjs, 10 s of this load after the changes, about 100 ms of JS per order
counted as wall time under this load): the D1 binding's own JS (serializing each call, \`toJson\` of the results,
tracing spans) 25–30 %, Hono's routing and middleware about 15 %, the JWS checks with their WebCrypto imports about
10 %, reading the CSR (\`@peculiar/asn1\`) and signing the leaf 10–15 %. What is left to cut is mostly hops: the
order's reads and the CA's could share statements in finalize, and the webhook read could move after the answer;
a quiet machine or a deployed Worker (no proxy, no inspector, D1 over the network instead) would change the balance
more than any of it.`;

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
