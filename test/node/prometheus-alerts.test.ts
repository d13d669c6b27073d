/**
 * The shipped alerting rules through Prometheus' own tool, where it is installed (Debian's `prometheus` package has
 * `promtool`; `PROMTOOL` may name it): `promtool check rules` parses every expression and template, and `promtool test
 * rules` runs docs/prometheus/certdesk-alerts.test.yml, which feeds the rules the series the service exports and
 * expects each alert to fire, or not, with its labels and annotations. Without promtool, the unit test
 * (test/unit/routes/prometheus-alerts.test.ts) still checks every metric named against `GET /metrics`.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const DIR = fileURLToPath(new URL("../../docs/prometheus", import.meta.url));
const PROMTOOL = process.env.PROMTOOL ?? "promtool";
const installed = spawnSync(PROMTOOL, ["--version"], { encoding: "utf8" }).status === 0;

function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync(PROMTOOL, args, { cwd: DIR, encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe.skipIf(!installed)("promtool on docs/prometheus/certdesk-alerts.yml", () => {
  it("checks the rules", () => {
    const run = promtool("check", "rules", "certdesk-alerts.yml");
    expect(run.status, run.output).toBe(0);
    expect(run.output).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("fires each alert on the series it watches, and only then", () => {
    const run = promtool("test", "rules", "certdesk-alerts.test.yml");
    expect(run.status, run.output).toBe(0);
  });
});
