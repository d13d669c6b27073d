#!/usr/bin/env node
/**
 * `npm test`: type-check, then vitest (unit, e2e against a real Pebble, browser: the dashboard in Debian's chromium),
 * extra arguments passed to vitest.
 * NODE_EXTRA_CA_CERTS must be in vitest's own environment (setting it in vitest.config.ts is too late for
 * workerd), so this wrapper creates the test CA first and starts vitest with it.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { findPebbleBinaries, PEBBLE_MISSING_MESSAGE } from "./pebble/binaries.mjs";
import { ensureTestCa, REPO_ROOT } from "./pebble/test-ca.mjs";
import { CHROMIUM_MISSING_MESSAGE, findChromium } from "../test/browser/chromium.mjs";

const args = process.argv.slice(2);
const bin = (name) => join(REPO_ROOT, "node_modules", ".bin", name);

const ca = ensureTestCa();
const env = { ...process.env, NODE_EXTRA_CA_CERTS: ca.caCert };
const pebble = findPebbleBinaries(env);

const typecheck = await run(bin("tsc"), ["--noEmit", "-p", "."]);
if (typecheck !== 0) console.error("tsc --noEmit failed (vitest still runs so you see the test results)");

// A JSON report beside the usual output, so the run can end on one plain "N passed, N failed" line.
const reportFile = join(REPO_ROOT, ".tmp", "vitest-report.json");
rmSync(reportFile, { force: true });
const reporters = ["--reporter=default", "--reporter=json", `--outputFile.json=${reportFile}`];

// The e2e tests need Pebble and the browser tests chromium; both are mandatory: a run without either is not green.
// The projects of vitest.config.ts: when a tool is missing, the others still run (the run fails either way).
const PROJECTS = ["unit", "e2e", "browser", "node"];
const requested = projectsIn(args);
const wanted = (name) => requested.length === 0 || requested.includes(name);
const missing = [];
if (wanted("e2e") && !pebble) missing.push({ project: "e2e", message: PEBBLE_MISSING_MESSAGE });
if (wanted("browser") && !findChromium(env)) missing.push({ project: "browser", message: CHROMIUM_MISSING_MESSAGE });

let vitest;
if (missing.length === 0) {
  vitest = await run(bin("vitest"), ["run", ...reporters, ...args]);
} else {
  // Still show the results of the projects that can run (at least the unit tests), then fail.
  const runnable = PROJECTS.filter((name) => wanted(name) && !missing.some((gap) => gap.project === name));
  const projects = (runnable.length > 0 ? runnable : ["unit"]).flatMap((name) => ["--project", name]);
  vitest = await run(bin("vitest"), ["run", ...reporters, ...withoutProjects(args), ...projects, "--passWithNoTests"]);
  for (const gap of missing) console.error(gap.message);
  vitest = vitest || 1;
}
printSummary(reportFile, typecheck, missing.length);
process.exit(vitest !== 0 ? vitest : typecheck);

function printSummary(file, typecheckCode, projectsNotRun) {
  if (!existsSync(file)) return;
  try {
    const report = JSON.parse(readFileSync(file, "utf8"));
    // A failed type-check, and each project that could not run, counts as one failure: the run must not read as green.
    const failed = report.numFailedTests + (typecheckCode === 0 ? 0 : 1) + projectsNotRun;
    const skipped = report.numPendingTests + report.numTodoTests;
    console.log(`tests: ${report.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
  } catch {
    // No summary is better than a wrong one.
  }
}

function run(command, commandArgs) {
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { cwd: REPO_ROOT, env, stdio: "inherit" });
    // Ctrl-C reaches the child through the terminal's process group; forward the others.
    const forward = (signal) => child.kill(signal);
    process.on("SIGTERM", forward);
    process.on("SIGHUP", forward);
    process.on("SIGINT", () => {});
    child.on("exit", (code, signal) => {
      process.off("SIGTERM", forward);
      process.off("SIGHUP", forward);
      resolve(code ?? (signal ? 1 : 0));
    });
    child.on("error", (error) => {
      console.error(`${command}: ${error.message}`);
      resolve(1);
    });
  });
}

/** The project names given with --project (none: every project runs). */
function projectsIn(list) {
  const names = [];
  for (let i = 0; i < list.length; i++) {
    if (list[i] === "--project" && i + 1 < list.length) names.push(list[++i]);
    else if (list[i].startsWith("--project=")) names.push(list[i].slice("--project=".length));
  }
  return names;
}

function withoutProjects(list) {
  const out = [];
  for (let i = 0; i < list.length; i++) {
    if (list[i] === "--project") i++;
    else if (!list[i].startsWith("--project=")) out.push(list[i]);
  }
  return out;
}
