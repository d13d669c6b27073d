/**
 * The processes `npm test` runs side by side (tsc, one vitest per lane): one shows its output as it comes, the
 * others hold theirs (also written to a log file) until it is their turn, so two runs never interleave their lines.
 */
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { setPriority } from "node:os";
import { dirname } from "node:path";

/**
 * Starts `command`. `logFile` set: the output is held (and written there as it comes) until `showLive()`, which
 * prints what was held and lets the rest through. Unset: the output goes straight to this terminal. `nice` above 0
 * lowers the process's priority (and so its children's: they inherit it when they start), as nice(1) does.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd: string, env: NodeJS.ProcessEnv, logFile?: string, nice?: number }} options
 */
export function startChild(command, args, { cwd, env, logFile, nice = 0 }) {
  const held = logFile !== undefined;
  const child = spawn(command, args, { cwd, env, stdio: held ? ["ignore", "pipe", "pipe"] : "inherit" });
  if (nice > 0 && child.pid !== undefined) {
    try {
      setPriority(child.pid, nice);
    } catch {
      // Only the schedule suffers; the run is the same.
    }
  }
  let live = !held;
  const pending = [];
  let log;
  if (held) {
    mkdirSync(dirname(logFile), { recursive: true });
    log = createWriteStream(logFile);
    for (const [stream, target] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ]) {
      stream.on("data", (chunk) => {
        log.write(chunk);
        if (live) target.write(chunk);
        else pending.push([target, chunk]);
      });
    }
  }
  // Ctrl-C reaches the child through the terminal's process group; forward the others.
  const forward = (signal) => child.kill(signal);
  process.on("SIGTERM", forward);
  process.on("SIGHUP", forward);
  const exited = new Promise((resolve) => {
    child.on("close", (code, signal) => {
      process.off("SIGTERM", forward);
      process.off("SIGHUP", forward);
      log?.end();
      resolve(code ?? (signal ? 1 : 0));
    });
    child.on("error", (error) => {
      console.error(`${command}: ${error.message}`);
      resolve(1);
    });
  });
  return {
    exited,
    /** Prints what was held back, then lets the rest of the output through as it comes. */
    showLive() {
      for (const [target, chunk] of pending.splice(0)) target.write(chunk);
      live = true;
    },
  };
}
