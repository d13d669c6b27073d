/**
 * Redocly CLI's lint (`@redocly/cli`, the dev dependency) with the repository's redocly.yaml, run as its own process:
 * `redocly lint --format=json` prints every problem, with its rule, severity, JSON pointer and message.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../../../scripts/pebble/test-ca.mjs";

const CLI = join(REPO_ROOT, "node_modules", "@redocly", "cli", "bin", "cli.js");

/** Lints the OpenAPI file at `path`: returns `{ errors, warnings }`, each `{ ruleId, pointer, message, reference }`. */
export function redoclyLint(path) {
  const run = spawnSync(process.execPath, [CLI, "lint", "--config", join(REPO_ROOT, "redocly.yaml"), "--format=json", "--max-problems=1000", path], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    // No telemetry, update check or notices: the lint is all this run does.
    env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", REDOCLY_SUPPRESS_NOTIFICATIONS: "true", NO_COLOR: "1" },
    timeout: 120_000,
  });
  const start = (run.stdout ?? "").indexOf("{");
  let report;
  try {
    report = JSON.parse(run.stdout.slice(start));
  } catch {
    throw new Error(`redocly lint printed no JSON report (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
  const problems = report.problems.map((problem) => ({
    ruleId: problem.ruleId,
    severity: problem.severity,
    pointer: problem.location?.[0]?.pointer ?? "",
    message: problem.message,
    reference: problem.reference ?? "",
  }));
  return { errors: problems.filter((p) => p.severity === "error"), warnings: problems.filter((p) => p.severity !== "error") };
}

/** One line per problem: `rule at #/pointer: message (reference)`. */
export function describeProblems(problems) {
  return problems.map((p) => `${p.ruleId} at ${p.pointer}: ${p.message}${p.reference ? ` (${p.reference})` : ""}`).join("\n");
}
