/**
 * Redocly CLI's recommended rules (redocly.yaml) on /openapi.json as the Worker serves it: an error fails `npm test`,
 * with one readable line per problem; warnings are printed. New routes go through the same generation (routes/docs.ts),
 * so they are linted here too.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { describeProblems, redoclyLint } from "./support/redocly-lint.mjs";
import { fetchServedDocument } from "./support/served-document.mjs";

// This run's own directory: another `npm test` in the same tree may be linting at the same time.
const DIR = join(fileURLToPath(new URL("../..", import.meta.url)), ".tmp", "openapi", String(process.pid));
let served = "";
let failed = false;

beforeAll(async () => {
  served = await fetchServedDocument();
  mkdirSync(DIR, { recursive: true });
});

// The linted files stay only when a test failed, to look at.
afterEach(({ task }) => {
  if (task.result?.state === "fail") failed = true;
});
afterAll(() => {
  if (!failed) rmSync(DIR, { recursive: true, force: true });
});

function lintDocument(name: string, document: unknown) {
  const path = join(DIR, name);
  writeFileSync(path, typeof document === "string" ? document : JSON.stringify(document, null, 2));
  return redoclyLint(path);
}

describe("/openapi.json under Redocly's recommended rules", () => {
  it("has no errors", () => {
    const { errors, warnings } = lintDocument("openapi.json", served);
    if (warnings.length > 0) console.warn(`Redocly warnings on /openapi.json (not failing):\n${describeProblems(warnings)}`);
    expect(errors.length, `Redocly reports errors on /openapi.json (${join(DIR, "openapi.json")}):\n${describeProblems(errors)}`).toBe(0);
  });

  it("would fail on a document without servers or operationIds (the lint does run)", () => {
    const document = JSON.parse(served);
    delete document.servers;
    const [path, item] = Object.entries(document.paths as Record<string, Record<string, { operationId?: string }>>)[0]!;
    const [method] = Object.keys(item);
    delete item[method!]!.operationId;
    const { errors } = lintDocument("openapi-broken.json", document);
    expect(errors.map((error) => error.ruleId)).toEqual(expect.arrayContaining(["no-empty-servers", "operation-operationId"]));
    expect(describeProblems(errors)).toContain(`operation-operationId at #/paths/${path.replaceAll("~", "~0").replaceAll("/", "~1")}/${method}`);
  });
});
