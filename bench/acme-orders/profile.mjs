#!/usr/bin/env node
/**
 * A CPU profile of the Worker's isolate under the ACME order load of bench/acme-server-orders.mjs: the same `wrangler
 * dev`, private pre-approved directory and load clients, with the V8 sampling profiler of the isolate started through
 * wrangler dev's inspector (Chrome DevTools Protocol, `Profiler` domain) for `--seconds` of load after a warm-up.
 * Prints the functions by self time and by inclusive time (a function counted once per sample, whatever its depth),
 * and writes the `.cpuprofile` (Chrome DevTools and speedscope read it) under bench/out/.
 *
 *   node bench/acme-orders/profile.mjs [--clients 4] [--seconds 10] [--warmup 4] [--top 40]
 */
import "reflect-metadata"; // @peculiar/x509 (tsyringe) needs it loaded first
import * as x509 from "@peculiar/x509";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { createPrivateDirectory } from "../../test/node/support/private-acme-directory.mjs";
import { startWorker } from "../../test/node/support/private-ca-worker.mjs";
import { option, runBench, runDirectory } from "../lib.mjs";
import { AcmeLoadClient, acmeAgent, makeCsr } from "./jws-client.mjs";

const clients = option("clients", 4);
const seconds = option("seconds", 10);
const warmup = option("warmup", 4);
const top = option("top", 40);
const DOMAIN = "bench.clients.test";

x509.cryptoProvider.set(crypto);

/** A CDP session over the inspector's first target (the Worker's isolate). */
async function inspect(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl);
  if (!target) throw new Error(`no inspectable target on port ${port}: ${JSON.stringify(targets)}`);
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  let id = 0;
  const pending = new Map();
  const scripts = [];
  socket.on("message", (data) => {
    const message = JSON.parse(String(data));
    if (message.method === "Debugger.scriptParsed") scripts.push(message.params);
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`${message.error.message}`));
    else waiter.resolve(message.result);
  });
  return {
    send: (method, params = {}) => new Promise((resolve, reject) => {
      pending.set(++id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    }),
    close: () => socket.close(),
    scripts,
  };
}

async function load(list, csrs, span) {
  const deadline = performance.now() + span * 1000;
  let next = 0;
  let orders = 0;
  await Promise.all(list.map(async (client) => {
    while (performance.now() < deadline) {
      const { name, der } = csrs[next++ % csrs.length];
      await client.order(name, der);
      orders++;
    }
  }));
  return orders;
}

/** Self and inclusive ms by function (name, script, line), from the profile's samples. */
function summarize(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const key = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    return `${functionName || "(anonymous)"} ${url ? `${url.split("/").pop()}:${lineNumber + 1}` : ""}`.trim();
  };
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  profile.samples.forEach((sample, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    total += ms;
    let node = byId.get(sample);
    self.set(key(node), (self.get(key(node)) ?? 0) + ms);
    const seen = new Set();
    for (; node; node = byId.get(parent.get(node.id))) {
      const k = key(node);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
    }
  });
  const idle = (self.get("(idle)") ?? 0) + (self.get("(program)") ?? 0) + (self.get("(garbage collector)") ?? 0);
  return { self, inclusive, total, idle };
}

async function main() {
  const dir = runDirectory("acme-orders-profile");
  const worker = await startWorker("bench-acme-profile", { inspect: true });
  let failed = true;
  try {
    const setup = await createPrivateDirectory(worker.url, worker.adminToken, { slug: "bench", domain: DOMAIN });
    const csrs = [];
    for (let i = 0; i < 64; i++) csrs.push({ name: `o${i}.${DOMAIN}`, der: await makeCsr(x509, `o${i}.${DOMAIN}`) });
    const agent = acmeAgent({ connections: clients });
    const list = [];
    for (let i = 0; i < clients; i++) list.push(new AcmeLoadClient({ directoryUrl: setup.directory.directoryUrl, eab: await setup.eabKey(), agent }));
    await Promise.all(list.map((c) => c.register()));
    await load(list, csrs, warmup);

    const cdp = await inspect(worker.inspectorPort);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
    await cdp.send("Profiler.start");
    const started = performance.now();
    const orders = await load(list, csrs, seconds);
    const span = (performance.now() - started) / 1000;
    const { profile } = await cdp.send("Profiler.stop");
    const file = join(dir, "isolate.cpuprofile");
    writeFileSync(file, JSON.stringify(profile));
    // The bundle the profile's line numbers point into, kept beside it (wrangler dev deletes its own at exit).
    await cdp.send("Debugger.enable");
    const bundle = cdp.scripts.find((s) => s.url.endsWith("index.js"));
    if (bundle) writeFileSync(join(dir, "index.js"), (await cdp.send("Debugger.getScriptSource", { scriptId: bundle.scriptId })).scriptSource);
    cdp.close();

    const { self, inclusive, total, idle } = summarize(profile);
    const busy = total - idle;
    const row = ([name, ms]) => `${((ms / busy) * 100).toFixed(1).padStart(5)} %  ${(ms / orders).toFixed(2).padStart(7)} ms/order  ${name}`;
    const sorted = (map) => [...map].filter(([k]) => !/^\((idle|program|garbage collector|root)\)/.test(k)).sort((a, b) => b[1] - a[1]).slice(0, top);
    console.log(`${orders} orders in ${span.toFixed(1)} s (${(orders / span).toFixed(1)}/s); isolate JS ${busy.toFixed(0)} ms = ${(busy / orders).toFixed(1)} ms/order (GC ${(self.get("(garbage collector)") ?? 0).toFixed(0)} ms, program ${(self.get("(program)") ?? 0).toFixed(0)} ms, idle ${(self.get("(idle)") ?? 0).toFixed(0)} ms)`);
    console.log(`\nby self time (% of JS time):\n${sorted(self).map(row).join("\n")}`);
    console.log(`\nby inclusive time (% of JS time):\n${sorted(inclusive).map(row).join("\n")}`);
    console.log(`\nprofile: ${file}`);
    failed = false;
  } finally {
    await worker.stop(failed);
  }
}

await runBench(main);
