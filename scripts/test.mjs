#!/usr/bin/env node
/**
 * `npm test`: type-check and vitest (unit, e2e against a real Pebble, browser: the dashboard in Debian's chromium,
 * node, clients: Debian's certbot, lego, dehydrated and caddy against Pebble and our ACME server), extra arguments
 * passed to vitest.
 * NODE_EXTRA_CA_CERTS must be in vitest's own environment (setting it in vitest.config.ts is too late for
 * workerd), so this wrapper creates the test CA first and starts vitest with it.
 *
 * Four things run side by side: tsc, and three vitest runs ("lanes"). The e2e tests run one file at a time and spend
 * most of it waiting (for Pebble to validate, for a queue to settle); the browser and clients tests wait too (for
 * chromium, Pebble and the ACME clients); the unit and node tests fill the CPU meanwhile, at the lowest priority
 * (nice), so the e2e lane's `wrangler dev` and Pebble are served first whenever they have work. The first lane's
 * output comes as it runs; the others' is held (and written to .tmp/test-lanes/) and printed when the first lane is
 * done. The run ends with
 * tsc's errors, if any, and one "N passed, N failed" line for all of it.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { findPebbleBinaries, PEBBLE_MISSING_MESSAGE } from "./pebble/binaries.mjs";
import { ensureTestCa, REPO_ROOT } from "./pebble/test-ca.mjs";
import { startChild } from "./test/child-process.mjs";
import { CHROMIUM_MISSING_MESSAGE, findChromium } from "../test/browser/chromium.mjs";
import { ACME_CLIENTS_MISSING_MESSAGE, missingAcmeClients } from "../test/node/support/acme-client-binaries.mjs";

const args = process.argv.slice(2);
const bin = (name) => join(REPO_ROOT, "node_modules", ".bin", name);
const LANE_DIR = join(REPO_ROOT, ".tmp", "test-lanes");

const ca = ensureTestCa();
const env = { ...process.env, NODE_EXTRA_CA_CERTS: ca.caCert };
const pebble = findPebbleBinaries(env);
// Held output is piped, not a terminal: keep vitest's colours when this run has them.
const heldEnv = process.stdout.isTTY && !env.NO_COLOR ? { ...env, FORCE_COLOR: "1" } : env;

// The projects of vitest.config.ts, by lane: each lane is one vitest run, the lanes run at the same time. `nice`:
// the lane's processes (vitest, its workerd runtimes, its wrangler dev) yield the CPU to the others.
const LANES = [
  { name: "unit-node", projects: ["unit", "node"], nice: 10 },
  // Mostly waiting (for chromium, Pebble and the ACME clients), so a lane of their own overlaps that wait with the
  // CPU-bound unit tests instead of adding it after them.
  { name: "browser-clients", projects: ["browser", "clients"], nice: 5 },
  { name: "e2e", projects: ["e2e"], nice: 0 },
];
const PROJECTS = LANES.flatMap((lane) => lane.projects);

// The e2e tests need Pebble, the browser tests chromium, the clients tests the ACME clients and Pebble; all are
// mandatory: a run without any of them is not green. When a tool is missing, the other projects still run (the run
// fails either way).
const requested = projectsIn(args);
const wanted = (name) => requested.length === 0 || requested.includes(name);
const missing = [];
if (wanted("e2e") && !pebble) missing.push({ project: "e2e", message: PEBBLE_MISSING_MESSAGE });
if (wanted("browser") && !findChromium(env)) missing.push({ project: "browser", message: CHROMIUM_MISSING_MESSAGE });
// The console's obtain flow is tested against a real Pebble too.
else if (wanted("browser") && !pebble) missing.push({ project: "browser", message: PEBBLE_MISSING_MESSAGE });
const clientsLacking = missingAcmeClients(env);
if (wanted("clients") && clientsLacking.length > 0) missing.push({ project: "clients", message: `${ACME_CLIENTS_MISSING_MESSAGE} (not found: ${clientsLacking.join(", ")})` });
else if (wanted("clients") && !pebble) missing.push({ project: "clients", message: PEBBLE_MISSING_MESSAGE });
const runnable = PROJECTS.filter((name) => wanted(name) && !missing.some((gap) => gap.project === name));
// A project name vitest does not know is left for vitest to refuse, in the first lane.
const unknown = requested.filter((name) => !PROJECTS.includes(name));
const lanes = LANES.map((lane, index) => ({
  ...lane,
  projects: [...lane.projects.filter((name) => runnable.includes(name)), ...(index === 0 ? unknown : [])],
})).filter((lane) => lane.projects.length > 0);
if (lanes.length === 0) lanes.push({ ...LANES[0], projects: ["unit"] });

process.on("SIGINT", () => {});
const typecheck = startChild(bin("tsc"), ["--noEmit", "-p", "."], { cwd: REPO_ROOT, env, logFile: join(LANE_DIR, "tsc.log"), nice: 10 });
// With more than one lane, a file filter may match nothing in one of them: that lane passes, and the run still
// fails below when no lane ran a test file (unless --passWithNoTests was given).
const passWithNoTests = lanes.length > 1 || missing.length > 0 ? ["--passWithNoTests"] : [];
const runs = lanes.map((lane, index) => {
  const reportFile = join(LANE_DIR, `${lane.name}.json`);
  rmSync(reportFile, { force: true });
  // A JSON report beside the usual output, so the run can end on one plain "N passed, N failed" line.
  const reporters = ["--reporter=default", "--reporter=json", `--outputFile.json=${reportFile}`];
  const projects = lane.projects.flatMap((name) => ["--project", name]);
  const vitestArgs = ["run", ...reporters, ...withoutProjects(args), ...projects, ...passWithNoTests];
  const held = index > 0;
  if (held) console.log(`[npm test] the ${lane.projects.join(" and ")} tests run beside these; their output follows (live in ${join(LANE_DIR, `${lane.name}.log`)})`);
  // Alone, a lane has nothing to yield to.
  const nice = lanes.length > 1 ? lane.nice : 0;
  const child = startChild(bin("vitest"), vitestArgs, { cwd: REPO_ROOT, env: held ? heldEnv : env, logFile: held ? join(LANE_DIR, `${lane.name}.log`) : undefined, nice });
  return { lane, reportFile, child };
});

const codes = [];
for (const run of runs) {
  run.child.showLive();
  codes.push(await run.child.exited);
}
const typecheckCode = await typecheck.exited;
if (typecheckCode !== 0) {
  typecheck.showLive();
  console.error("tsc --noEmit failed (vitest still ran, so you see the test results)");
}
for (const message of new Set(missing.map((gap) => gap.message))) console.error(message);

const summary = summarize(runs.map((run) => run.reportFile));
let failed = codes.some((code) => code !== 0) || missing.length > 0;
if (summary && summary.files === 0 && passWithNoTests.length > 0 && !args.includes("--passWithNoTests") && missing.length === 0) {
  console.error("No test files found in any project");
  failed = true;
}
// vitest exits 1 after an unhandled error even when every test passed: say so, or the last line reads as green.
runs.forEach((run, index) => {
  if (codes[index] !== 0) console.error(`[npm test] the ${run.lane.projects.join(", ")} tests exited with code ${codes[index]}: see "Unhandled Errors" or "Failed Suites" in their output above`);
});
if (summary) {
  // A failed type-check, and each project that could not run, counts as one failure: the run must not read as green.
  // A lane that failed with no failed test (an unhandled error, a file that did not load) counts as one failure.
  const laneErrors = summary.failed === 0 ? codes.filter((code) => code !== 0).length : 0;
  const failures = summary.failed + laneErrors + (typecheckCode === 0 ? 0 : 1) + missing.length;
  console.log(`tests: ${summary.passed} passed, ${failures} failed, ${summary.skipped} skipped`);
}
process.exit(failed ? 1 : typecheckCode);

/** The lanes' JSON reports added up; null when one is missing or unreadable (no summary is better than a wrong one). */
function summarize(files) {
  const total = { passed: 0, failed: 0, skipped: 0, files: 0 };
  for (const file of files) {
    if (!existsSync(file)) return null;
    try {
      const report = JSON.parse(readFileSync(file, "utf8"));
      total.passed += report.numPassedTests;
      total.failed += report.numFailedTests;
      total.skipped += report.numPendingTests + report.numTodoTests;
      total.files += report.testResults.length;
    } catch {
      return null;
    }
  }
  return total;
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
