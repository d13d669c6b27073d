/**
 * What the renewal capacity benchmark watches while the pipeline runs, without adding load to it: the Worker's log
 * (miniflare's `QUEUE <queue> acked/total (ms)` line per delivered batch, the consumer's `renewal queue: …` tally per
 * batch), read as it grows and timestamped on arrival, and the CPU time of process groups from /proc.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";

const ANSI = /\x1b\[[0-9;]*m/g;

/** Follows a growing log file (polled every 20 ms); each complete line goes to the listeners with its arrival time (performance.now()). */
export class LogTail {
  constructor(file) {
    this.file = file;
    this.pos = existsSync(file) ? statSync(file).size : 0;
    this.rest = Buffer.alloc(0);
    this.listeners = new Set();
    this.timer = setInterval(() => this.poll(), 20);
  }

  poll() {
    let size;
    try {
      size = statSync(this.file).size;
    } catch {
      return;
    }
    if (size <= this.pos) return;
    const chunk = Buffer.alloc(size - this.pos);
    const fd = openSync(this.file, "r");
    readSync(fd, chunk, 0, chunk.length, this.pos);
    closeSync(fd);
    this.pos = size;
    let data = Buffer.concat([this.rest, chunk]);
    const at = performance.now();
    let nl;
    while ((nl = data.indexOf(10)) >= 0) {
      const line = data.subarray(0, nl).toString("utf8").replace(ANSI, "");
      data = data.subarray(nl + 1);
      for (const listener of this.listeners) listener(line, at);
    }
    this.rest = Buffer.from(data);
  }

  on(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop() {
    this.poll();
    clearInterval(this.timer);
  }
}

/**
 * The renewal queue's deliveries as the Worker logs them: batches (arrival time, acked, size, the handler's ms) and the
 * consumer's outcome tally. `since(t)` counts what arrived after t.
 */
export class QueueWatch {
  constructor(tail, queue = "certdesk-renewals") {
    this.batches = [];
    this.outcomes = [];
    const batchLine = new RegExp(`QUEUE ${queue} (\\d+)/(\\d+) \\((\\d+)ms\\)`);
    this.off = tail.on((line, at) => {
      const batch = batchLine.exec(line);
      if (batch) this.batches.push({ at, acked: Number(batch[1]), size: Number(batch[2]), ms: Number(batch[3]) });
      const tally = /renewal queue: ((?:\d+ [a-z]+)(?:, \d+ [a-z]+)*)\s*$/.exec(line);
      if (tally) {
        const counts = Object.fromEntries(tally[1].split(", ").map((part) => part.split(" ").reverse()).map(([k, v]) => [k, Number(v)]));
        this.outcomes.push({ at, counts });
      }
    });
  }

  since(t) {
    const batches = this.batches.filter((b) => b.at >= t);
    const outcomes = this.outcomes.filter((o) => o.at >= t);
    const total = {};
    for (const o of outcomes) for (const [k, v] of Object.entries(o.counts)) total[k] = (total[k] ?? 0) + v;
    return { batches, acked: batches.reduce((n, b) => n + b.acked, 0), delivered: batches.reduce((n, b) => n + b.size, 0), outcomes: total, settled: Object.entries(total).filter(([k]) => k !== "retried" && k !== "pending").reduce((n, [, v]) => n + v, 0) };
  }

  /** Resolves once `done(since(t))` holds, polling every 50 ms; rejects after timeoutMs. */
  async until(t, done, timeoutMs) {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const seen = this.since(t);
      if (done(seen)) return seen;
      if (performance.now() > deadline) throw new Error(`queue not drained after ${timeoutMs / 1000} s: ${JSON.stringify({ ...seen, batches: seen.batches.length })}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  stop() {
    this.off();
  }
}

/**
 * How many batches were in the consumer at once: from each batch's end (log arrival) and duration, the intervals'
 * largest overlap, and the mean (sum of durations ÷ span from the first start to the last end).
 */
export function batchConcurrency(batches) {
  if (batches.length === 0) return { max: 0, mean: 0, spanMs: 0, busyMs: 0 };
  // The log line arrives a little after the batch ended: a 25 ms allowance so back-to-back batches do not count as overlapping.
  const slack = 25;
  const events = batches.flatMap((b) => [
    [b.at - b.ms + slack, 1],
    [b.at, -1],
  ]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, delta] of events) max = Math.max(max, (now += delta));
  const start = Math.min(...batches.map((b) => b.at - b.ms));
  const end = Math.max(...batches.map((b) => b.at));
  const busyMs = batches.reduce((n, b) => n + b.ms, 0);
  return { max: Math.max(1, max), mean: busyMs / Math.max(1, end - start), spanMs: end - start, busyMs };
}

let clockTicks;
/** CPU seconds (user + system) used so far by the live processes of each process group in `pgids`; { pgid: seconds }. */
export function groupCpuSeconds(pgids) {
  clockTicks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  const wanted = new Set(pgids.map(Number));
  const out = Object.fromEntries(pgids.map((p) => [p, 0]));
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const pgrp = Number(fields[2]);
    if (!wanted.has(pgrp)) continue;
    out[pgrp] += (Number(fields[11]) + Number(fields[12])) / clockTicks;
  }
  return out;
}
