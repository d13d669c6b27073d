/**
 * The shipped alerting rules (docs/prometheus/certdesk-alerts.yml) cannot drift from `GET /metrics`: every metric an
 * alert's expression or annotation names is a family the operator's scrape exports (each family has its TYPE line
 * even with no sample), and so is every series their promtool tests feed them. The rules' shape is Prometheus' (https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/);
 * `promtool check rules` checks the PromQL itself where it is installed (test/node/prometheus-alerts.test.ts).
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import rulesFile from "../../../docs/prometheus/certdesk-alerts.yml?raw";
import rulesTests from "../../../docs/prometheus/certdesk-alerts.test.yml?raw";
import { ADMIN_TOKEN, call } from "../../support/api";

interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const groups = (parse(rulesFile) as { groups: { name: string; rules: AlertingRule[] }[] }).groups;
const rules = groups.flatMap((group) => group.rules);
/** The series promtool's unit tests of the rules feed them (certdesk-alerts.test.yml): they must be real series too. */
const testSeries = (parse(rulesTests) as { tests: { input_series: { series: string }[] }[] }).tests.flatMap((test) => test.input_series.map((input) => input.series));

/** Every `certdesk_…` metric a rule names, in its expression or in a query of its annotations' templates. */
const metricsOf = (rule: AlertingRule) => [...`${rule.expr}\n${Object.values(rule.annotations ?? {}).join("\n")}`.matchAll(/\bcertdesk_[a-z0-9_]+/g)].map((m) => m[0]);

describe("the shipped Prometheus alerting rules", () => {
  it("name only metric families the service exports", async () => {
    const res = await call("GET", "/metrics", { token: ADMIN_TOKEN });
    expect(res.status).toBe(200);
    const exported = new Set([...res.text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    expect(exported.size).toBeGreaterThan(5);
    const named = new Set([...rules.flatMap(metricsOf), ...testSeries.map((series) => series.replace(/\{.*$/, ""))]);
    const missing = [...named].filter((name) => !exported.has(name)).sort();
    expect(missing, "metrics the rules name that GET /metrics does not export").toEqual([]);
  });

  it("cover what an operator must hear of, each rule complete and uniquely named", () => {
    const covered = (metric: string) => rules.some((rule) => metricsOf(rule).includes(metric));
    // Expiry within 7 days (aggregate and per certificate), renewals failing, deploy targets failing, webhook endpoints
    // disabled, the renewal queue not draining.
    expect(rules.find((rule) => /certdesk_certificates_expiring\{[^}]*within="7d"/.test(rule.expr))).toBeDefined();
    for (const metric of [
      "certdesk_certificate_expiration_timestamp_seconds",
      "certdesk_certificate_renewal_consecutive_failures",
      "certdesk_deploy_targets_failing",
      "certdesk_webhook_endpoints_disabled",
      "certdesk_certificate_renewal_timestamp_seconds",
    ]) {
      expect(covered(metric), metric).toBe(true);
    }
    expect(new Set(rules.map((rule) => rule.alert)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(rule.alert, rule.alert).toMatch(/^Certdesk[A-Za-z0-9]+$/);
      expect(rule.expr.trim(), rule.alert).not.toBe("");
      expect(["warning", "critical"], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      if (rule.for !== undefined) expect(rule.for, rule.alert).toMatch(/^\d+[smhdw]$/);
    }
  });
});
