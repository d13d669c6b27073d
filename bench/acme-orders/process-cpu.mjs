/**
 * CPU seconds used by this process and everything it started, by command name (workerd, node, pebble, …), read from
 * /proc/<pid>/stat (utime + stime, proc(5)): take a snapshot before and after a run and `cpuDelta` says where the
 * machine's time went during it.
 */
import { readdirSync, readFileSync } from "node:fs";

const TICKS = 100; // USER_HZ on Linux

function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    const fields = text.slice(close + 2).split(" ");
    // fields[0] is state (field 3); ppid is field 4, utime 14, stime 15.
    return { pid, comm, ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined; // gone between readdir and read
  }
}

/** pid → { comm, ticks } for this process and its descendants. */
export function cpuSnapshot() {
  const all = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map((d) => readStat(Number(d))).filter(Boolean);
  const children = new Map();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const mine = new Map();
  const walk = (pid) => {
    for (const child of children.get(pid) ?? []) {
      mine.set(child.pid, child);
      walk(child.pid);
    }
  };
  const self = all.find((p) => p.pid === process.pid);
  if (self) mine.set(self.pid, { ...self, comm: "bench client (node)" });
  walk(process.pid);
  return mine;
}

/** CPU seconds per command name between two snapshots (a process that exited in between is not counted). */
export function cpuDelta(before, after) {
  const byName = {};
  for (const [pid, p] of after) {
    const spent = (p.ticks - (before.get(pid)?.ticks ?? 0)) / TICKS;
    if (spent > 0) byName[p.comm] = (byName[p.comm] ?? 0) + spent;
  }
  return byName;
}
