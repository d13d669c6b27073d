/** Child processes for the e2e stack: spawned in their own process group, logged to a file, killed as a group. */
import { spawn } from "node:child_process";
import { openSync, closeSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

const live = new Set();
let exitHookInstalled = false;

/**
 * Spawns `command` detached (own process group) with stdout+stderr appended to `logFile`.
 * Returns { child, name, logFile, exited } where `exited` resolves with the exit code.
 */
export function spawnLogged(name, command, args, { env = process.env, cwd, logFile }) {
  installExitHook();
  const fd = openSync(logFile, "a");
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  const handle = { name, child, logFile, exitCode: undefined };
  handle.exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      handle.exitCode = code ?? signal;
      live.delete(handle);
      resolve(handle.exitCode);
    });
    child.once("error", (error) => {
      handle.exitCode = String(error.message);
      live.delete(handle);
      resolve(handle.exitCode);
    });
  });
  live.add(handle);
  return handle;
}

/** SIGTERM to the whole process group, SIGKILL after `graceMs`; resolves once the leader has exited. */
export async function stopProcess(handle, graceMs = 5000) {
  if (!handle) return;
  if (handle.exitCode === undefined) {
    signalGroup(handle, "SIGTERM");
    const timer = setTimeout(() => signalGroup(handle, "SIGKILL"), graceMs);
    await handle.exited;
    clearTimeout(timer);
  }
  // Grandchildren (workerd and esbuild under wrangler) may outlive the leader, also one that exited on its own (a
  // wrangler that failed to start): make sure the group is gone.
  signalGroup(handle, "SIGKILL");
}

/** Kills every process this module started (used by teardown and on exit). */
export async function stopAll() {
  await Promise.all([...live].map((handle) => stopProcess(handle)));
}

function signalGroup(handle, signal) {
  try {
    process.kill(-handle.child.pid, signal);
  } catch {
    // already gone
  }
}

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when the parent dies without running teardown: never leave Pebble or workerd behind.
  // The children run in their own process groups, so a terminal's Ctrl-C does not reach them.
  process.once("exit", () => {
    for (const handle of live) signalGroup(handle, "SIGKILL");
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    const onSignal = () => {
      for (const handle of live) signalGroup(handle, "SIGTERM");
      process.off(signal, onSignal);
      // Keep the default behaviour (terminate) unless someone else (vitest) handles the signal.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/**
 * Polls `url` until it answers any HTTP status (the server is listening), or throws after `timeoutMs`,
 * or as soon as `handle`'s process exits.
 */
export async function waitForHttp(url, { timeoutMs = 30_000, ca, handle } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError = "no answer";
  while (Date.now() < deadline) {
    if (handle && handle.exitCode !== undefined) {
      throw new Error(`${handle.name} exited (${handle.exitCode}) before ${url} answered; see ${handle.logFile}`);
    }
    try {
      return await httpGet(url, { ca, timeoutMs: 2000 });
    } catch (error) {
      lastError = error.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${handle?.name ?? url} did not answer within ${timeoutMs} ms (${lastError})${handle ? `; see ${handle.logFile}` : ""}`);
}

/** A small GET/POST over http(s) with an explicit CA, returning { status, headers, body }. */
export function httpGet(url, { ca, timeoutMs = 10_000, method = "GET", body } = {}) {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = (target.protocol === "https:" ? httpsRequest : httpRequest)(
      target,
      { method, timeout: timeoutMs, ...(ca ? { ca } : {}), headers: body ? { "content-type": "application/json" } : {} },
      (response) => {
        const chunks = [];
        response.on("data", (c) => chunks.push(c));
        response.on("end", () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", reject);
    if (body) request.write(typeof body === "string" ? body : JSON.stringify(body));
    request.end();
  });
}
