/**
 * The one place `npm run deploy` runs wrangler. Everything else calls a runner, `run(args, { stream })` →
 * `{ code, stdout, stderr }`, so a test can hand the deploy its own runner that answers with recorded outputs.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

/**
 * A runner of `node_modules/.bin/wrangler` in `cwd`. Listing and creating capture the output, with stdin closed so
 * wrangler never waits on a prompt (it takes its non-interactive defaults). `stream: true` (migrations, the deploy)
 * shows wrangler's output as it comes and lets it ask, e.g. to confirm migrations; nothing is captured then.
 */
export function wranglerRunner(cwd, env = process.env) {
  const wrangler = join(cwd, "node_modules", ".bin", "wrangler");
  return function run(args, { stream = false } = {}) {
    return new Promise((resolve) => {
      const child = spawn(wrangler, args, {
        cwd,
        // Captured output is parsed: no colours, no banner (the parsers cope with both anyway).
        env: stream ? env : { ...env, NO_COLOR: "1", FORCE_COLOR: "0", WRANGLER_HIDE_BANNER: "true" },
        stdio: stream ? "inherit" : ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (chunk) => (stdout += chunk));
      child.stderr?.on("data", (chunk) => (stderr += chunk));
      child.on("error", (error) => resolve({ code: 1, stdout, stderr: `${stderr}${error.message}` }));
      child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), stdout, stderr }));
    });
  };
}
