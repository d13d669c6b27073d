/**
 * The pieces of `GET /metrics` below the route: the exposition format's escaping, the D1 counters (added, never
 * overwritten; written once per tally), the ACME request counting of a job's fetch (kinds told from the directory and
 * the CA's answers), readiness, the scrape's bounds, and the query plans that keep a scrape one indexed read.
 */
import { env } from "cloudflare:test";
// @ts-expect-error -- the package ships no type declarations; `parseMetrics` below gives its result a type.
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it, vi } from "vitest";
import { database } from "../../../src/db/client";
import { depsFrom } from "../../../src/deps";
import { certificateGaugeRowsQueries, readyCondition } from "../../../src/services/metrics/certificate-gauges";
import { escapeLabelValue, formatValue, renderExposition } from "../../../src/services/metrics/exposition";
import { scrapeMetrics } from "../../../src/services/metrics/scrape";
import { CounterTally, counterRowsQuery, countingAcmeFetch, countRenewal } from "../../../src/store/metric-counters";
import { newProject, newTenant } from "../../support/api";
import { countedD1 } from "../../support/d1-count";
import { storedAcmeCertificate } from "../issuance/acme-rows";

interface ParsedFamily {
  name: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}
const parseMetrics = (text: string): ParsedFamily[] => parsePrometheusTextFormat(text) as ParsedFamily[];

const db = () => depsFrom(env).db;

/** The team's stored counters: `name{labels}` → value. */
async function storedCounters(teamId: string): Promise<Record<string, number>> {
  const rows = await counterRowsQuery(db(), teamId, 1000);
  return Object.fromEntries(rows.map((r) => [`${r.name}${r.labels}`, r.value]));
}

describe("the exposition format", () => {
  it("escapes backslash, double quote and line feed in label values, and nothing else", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabelValue("tab\there, ünïcode, {braces}=,")).toBe("tab\there, ünïcode, {braces}=,");
  });

  it("round-trips label values a parser reads back exactly, a literal backslash-n apart from a line feed", () => {
    const values = ["plain", "line\nfeed", "back\\nslash", 'quote"', "trailing\\", "", "a,b=c}"];
    const text = renderExposition([
      { name: "t_gauge", help: "help with \\ and\nnewline", type: "gauge", samples: values.map((v, i) => ({ labels: { v, i: String(i) }, value: i })) },
    ]);
    const [family] = parseMetrics(text);
    expect(family!.metrics.map((m) => m.labels!.v)).toEqual(values);
    expect(text).toContain("# HELP t_gauge help with \\\\ and\\nnewline\n");
  });

  it("writes values Prometheus reads: integers, exponents, NaN and infinities", () => {
    expect([1.7e9, 0, 1e21, 0.5, NaN, Infinity, -Infinity].map(formatValue)).toEqual(["1700000000", "0", "1e+21", "0.5", "NaN", "+Inf", "-Inf"]);
  });
});

describe("the counters in D1", () => {
  it("adds each flush to what is stored, across tallies, label sets compared whatever their key order", async () => {
    const tenant = await newTenant();
    const first = new CounterTally();
    first.add(tenant.teamId, "acme_requests", { status: "200", action: "newOrder" });
    first.add(tenant.teamId, "acme_requests", { action: "newOrder", status: "200" }, 2);
    const second = new CounterTally();
    countRenewal(second, tenant.teamId, "sweep", { state: "failed", error: { code: "challenge_failed" } });
    second.add(tenant.teamId, "acme_requests", { status: "200", action: "newOrder" });
    await first.flush(db(), Date.now());
    await second.flush(db(), Date.now());
    await first.flush(db(), Date.now()); // flushed counts are forgotten: nothing added twice
    expect(await storedCounters(tenant.teamId)).toEqual({
      'acme_requests{"action":"newOrder","status":"200"}': 4,
      'renewal_attempts{"result":"failed","trigger":"sweep"}': 1,
      'renewal_failures{"reason":"challenge_failed","trigger":"sweep"}': 1,
    });
  });

  it("writes a tally larger than one statement's parameters in one batch", async () => {
    const tenant = await newTenant();
    const tally = new CounterTally();
    for (let i = 0; i < 45; i++) tally.add(tenant.teamId, "acme_requests", { status: String(200 + i) }, i + 1);
    const log: string[] = [];
    await tally.flush(database(countedD1(env.DB, log)), Date.now());
    // D1 binds at most 100 parameters per statement: 45 rows of 5 go as three INSERTs of one batch.
    expect(log).toHaveLength(3);
    expect(log.every((sql) => /^batch: insert into "metric_counters" .* on conflict .* do update set "value" = "metric_counters"."value" \+ excluded.value/.test(sql))).toBe(true);
    const stored = await storedCounters(tenant.teamId);
    expect(Object.keys(stored)).toHaveLength(45);
    expect(Object.values(stored).reduce((a, b) => a + b, 0)).toBe((45 * 46) / 2);
  });

  it("counts only renewals that were attempted, and a failure by its reason", () => {
    const tally = new CounterTally();
    for (const state of ["issued", "failed", "skipped", "pending", "validated", "error", "undelivered"]) {
      countRenewal(tally, "team_x", "manual", state === "failed" ? { state, error: { code: "ca_unreachable" } } : { state });
    }
    const byName = (name: string) => tally.entries().filter((e) => e.name === name).map((e) => e.labels);
    expect(byName("renewal_attempts").map((l) => l.result).sort()).toEqual(["error", "failed", "issued", "undelivered"]);
    expect(byName("renewal_failures").map((l) => l.reason).sort()).toEqual(["ca_unreachable", "error", "undelivered"]);
  });

  it("never throws when the counts cannot be written (a team deleted meanwhile): the work keeps its outcome", async () => {
    const tally = new CounterTally();
    tally.add("team_that_does_not_exist", "renewal_attempts", { trigger: "sweep", result: "failed" });
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    await expect(tally.flush(db(), Date.now())).resolves.toBeUndefined();
    expect(errors.mock.calls.join(" ")).toMatch(/metrics: 1 counter rows not written/);
    errors.mockRestore();
  });
});

/** A CA in a few lines: answers as RFC 8555 says each resource answers, at the URLs its directory and answers name. */
function fakeCa(): typeof fetch {
  const base = "https://ca.test";
  const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "replay-nonce": "n", ...headers } });
  return async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const method = init?.method ?? "GET";
    if (url === `${base}/dir`) {
      return json({ newNonce: `${base}/nonce`, newAccount: `${base}/acct`, newOrder: `${base}/order-plz`, revokeCert: `${base}/revoke`, keyChange: `${base}/kc`, renewalInfo: `${base}/ari` });
    }
    if (url === `${base}/nonce`) return new Response(null, { status: 200, headers: { "replay-nonce": "n" } });
    if (url === `${base}/acct`) return json({ status: "valid" }, 201, { location: `${base}/acct/1` });
    if (url === `${base}/order-plz`) return json({ status: "pending", authorizations: [`${base}/authz/1`], finalize: `${base}/fin/1` }, 201, { location: `${base}/o/1` });
    if (url === `${base}/authz/1`) return json({ status: "pending", challenges: [{ type: "http-01", url: `${base}/chall/1`, token: "t" }] });
    if (url === `${base}/chall/1`) return json({ type: "http-01", status: "processing" });
    if (url === `${base}/fin/1`) return json({ status: "processing" }, 429, { "content-type": "application/problem+json" });
    if (url.startsWith(`${base}/ari/`)) return json({ suggestedWindow: {} });
    if (url === `${base}/unreachable`) throw new TypeError("connection refused");
    return new Response("-----BEGIN CERTIFICATE-----", { status: 200, headers: { "content-type": "application/pem-certificate-chain" } });
  };
}

describe("the ACME requests of a job", () => {
  it("counts every request by host, action, method and status, the action told from the directory and the CA's answers", async () => {
    const tally = new CounterTally();
    const counted = countingAcmeFetch(tally, "team_a", fakeCa());
    const post = (url: string) => counted(url, { method: "POST", body: "{}" });
    await (await counted("https://ca.test/dir")).text();
    await counted("https://ca.test/nonce", { method: "HEAD" });
    await post("https://ca.test/acct");
    await post("https://ca.test/order-plz");
    await post("https://ca.test/authz/1");
    await post("https://ca.test/chall/1");
    await post("https://ca.test/authz/1");
    await post("https://ca.test/fin/1");
    await post("https://ca.test/cert/1");
    await counted("https://ca.test/ari/abc.def");
    await expect(post("https://ca.test/unreachable")).rejects.toThrow(TypeError);
    const counts = Object.fromEntries(tally.entries().map((e) => [`${e.labels.method} ${e.labels.action} ${e.labels.status} ${e.labels.host}`, e.by]));
    expect(counts).toEqual({
      "GET directory 200 ca.test": 1,
      "HEAD newNonce 200 ca.test": 1,
      "POST newAccount 201 ca.test": 1,
      "POST newOrder 201 ca.test": 1,
      "POST postAsGet 200 ca.test": 3, // the authorization twice, the certificate once
      "POST challenge 200 ca.test": 1,
      "POST finalize 429 ca.test": 1,
      "GET renewalInfo 200 ca.test": 1,
      "POST postAsGet error ca.test": 1,
    });
    expect(new Set(tally.entries().map((e) => e.teamId))).toEqual(new Set(["team_a"]));
  });

  it("hands the client the CA's answer untouched (the body it learns from is a copy)", async () => {
    const counted = countingAcmeFetch(new CounterTally(), "team_a", fakeCa());
    const response = await counted("https://ca.test/order-plz", { method: "POST" });
    expect(await response.json()).toMatchObject({ finalize: "https://ca.test/fin/1" });
    expect(response.headers.get("location")).toBe("https://ca.test/o/1");
  });
});

describe("a scrape", () => {
  it("is ready only while active and within its validity period", () => {
    const now = Date.now();
    const valid = { state: "active" as const, issuedAt: now - 1000, expiresAt: now + 1000 };
    expect(readyCondition(valid, now)).toBe("True");
    expect(readyCondition({ ...valid, state: "revoked" }, now)).toBe("False");
    expect(readyCondition({ ...valid, expiresAt: now }, now)).toBe("False");
    expect(readyCondition({ ...valid, issuedAt: now + 1 }, now)).toBe("False");
  });

  it("shows a revoked certificate as not ready, and says when it left certificates out", async () => {
    const tenant = await newTenant();
    const rows: Awaited<ReturnType<typeof storedAcmeCertificate>>[] = [];
    for (let i = 0; i < 2; i++) {
      const project = await newProject(tenant);
      rows.push(await storedAcmeCertificate({ teamId: tenant.teamId, projectId: project.id }, [project.domain!]));
    }
    await env.DB.prepare("UPDATE certificates SET state = 'revoked' WHERE id = ?").bind(rows[0]!.id).run();
    const full = parseMetrics(await scrapeMetrics(db(), { teamId: tenant.teamId }, Date.now()));
    const ready = full.find((f) => f.name === "certdesk_certificate_ready_status")!.metrics;
    expect(ready.filter((m) => m.value === "1").map((m) => [m.labels!.id, m.labels!.condition]).sort((a, b) => rows.findIndex((r) => r.id === a[0]) - rows.findIndex((r) => r.id === b[0]))).toEqual([
      [rows[0]!.id, "False"],
      [rows[1]!.id, "True"],
    ]);

    // Past the limit, the certificate nearest expiry keeps its series (urgency first, not creation order).
    await env.DB.prepare("UPDATE certificates SET expires_at = expires_at - 86400000 WHERE id = ?").bind(rows[1]!.id).run();
    const capped = parseMetrics(await scrapeMetrics(db(), { teamId: tenant.teamId }, Date.now(), { certificates: 1, counterRows: 10 }));
    expect(capped.find((f) => f.name === "certdesk_certificate_expiration_timestamp_seconds")!.metrics.map((m) => m.labels!.id)).toEqual([rows[1]!.id]);
    const truncated = capped.find((f) => f.name === "certdesk_metrics_truncated")!.metrics;
    expect(truncated).toEqual([
      { labels: { part: "certificates" }, value: "1" },
      { labels: { part: "counters" }, value: "0" },
    ]);
  });

  it("reads a team's certificates and counters through their indexes, never a scan of the table", async () => {
    const tenant = await newTenant();
    const plan = async (query: { toSQL(): { sql: string; params: unknown[] } }) => {
      const { sql, params } = query.toSQL();
      const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...params).all<{ detail: string }>();
      return results.map((r) => r.detail);
    };
    const [failing, soonest] = certificateGaugeRowsQueries(db(), tenant.teamId, 10, Date.now());
    // The failing ones from the partial index that holds only them; the rest in expiry order, stopped at the limit.
    expect(await plan(failing)).toContainEqual(expect.stringMatching(/^SEARCH certificates USING INDEX certificates_renewal_failing_idx \(team_id=\?\)/));
    const nearest = await plan(soonest);
    expect(nearest).toContainEqual(expect.stringMatching(/^SEARCH certificates USING INDEX certificates_team_expiry_idx \(team_id=\?\)/));
    expect(nearest.filter((d) => /^SCAN |TEMP B-TREE/.test(d))).toEqual([]);
    const everyTeam = await plan(certificateGaugeRowsQueries(db(), null, 10, Date.now())[1]);
    expect(everyTeam).toContainEqual(expect.stringMatching(/^SCAN certificates USING INDEX certificates_expiry_idx/));
    expect(everyTeam.filter((d) => /TEMP B-TREE/.test(d))).toEqual([]);
    const counters = await plan(counterRowsQuery(db(), tenant.teamId, 10));
    expect(counters).toContainEqual(expect.stringMatching(/^SEARCH metric_counters USING (INDEX sqlite_autoindex_metric_counters_1|PRIMARY KEY) \(team_id=\?\)/));
    expect(counters.filter((d) => /^SCAN /.test(d))).toEqual([]);
  });
});
