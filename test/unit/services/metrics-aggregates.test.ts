/**
 * The scrape at more certificates than get series: the per-certificate series keep the most urgent ones (failing
 * renewals, then nearest expiry), the certdesk_certificates_* aggregates count every one, and the aggregates read
 * the groups and the certificates near expiry, not every certificate (D1's meta.rows_read).
 */
import { env } from "cloudflare:test";
// @ts-expect-error -- the package ships no type declarations; `parseMetrics` below gives its result a type.
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { depsFrom } from "../../../src/deps";
import { EXPIRY_WINDOWS, publicAggregateQuery } from "../../../src/services/metrics/certificate-aggregates";
import { scrapeMetrics } from "../../../src/services/metrics/scrape";
import { newTenant } from "../../support/api";
import { DAY, farRows, insertCertificateRows as insert, type SeededCertificate as Seeded } from "../../support/certificate-rows";

interface ParsedFamily {
  name: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}
const parseMetrics = (text: string): ParsedFamily[] => parsePrometheusTextFormat(text) as ParsedFamily[];
const family = (families: ParsedFamily[], name: string) => families.find((f) => f.name === name)?.metrics ?? [];

const db = () => depsFrom(env).db;

/** What every group should report, counted here from the seeded rows. */
function expectedGroups(slug: string, rows: readonly Seeded[], now: number) {
  const groups = new Map<string, { labels: Record<string, string>; rows: Seeded[] }>();
  for (const row of rows) {
    const labels = { team: slug, type: row.type, issuer: row.issuer, status: row.state };
    const key = JSON.stringify(labels);
    if (!groups.has(key)) groups.set(key, { labels, rows: [] });
    groups.get(key)!.rows.push(row);
  }
  const expiring: { labels: Record<string, string>; value: string }[] = [];
  const expired: { labels: Record<string, string>; value: string }[] = [];
  const failing: { labels: Record<string, string>; value: string }[] = [];
  const earliest: { labels: Record<string, string>; value: string }[] = [];
  for (const { labels, rows: members } of groups.values()) {
    // A count of 0 has no sample.
    const sample = (list: typeof expiring, sampleLabels: Record<string, string>, count: number) => count > 0 && list.push({ labels: sampleLabels, value: String(count) });
    for (const w of EXPIRY_WINDOWS) sample(expiring, { ...labels, within: w.within }, members.filter((r) => r.expiresAt > now && r.expiresAt <= now + w.ms).length);
    sample(expired, labels, members.filter((r) => r.expiresAt <= now).length);
    sample(failing, labels, members.filter((r) => r.renewalFailures > 0).length);
    const upcoming = members.filter((r) => r.expiresAt > now).map((r) => r.expiresAt);
    if (upcoming.length > 0) earliest.push({ labels, value: String(Math.floor(Math.min(...upcoming) / 1000)) });
  }
  return { expiring, expired, failing, earliest };
}

const sortSamples = <T extends { labels?: Record<string, string> }>(samples: T[]) =>
  samples.slice().sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));

describe("a scrape of more certificates than get series", () => {
  it("keeps the series of the one nearest expiry (the newest row) and of those failing to renew, and counts every row", async () => {
    const tenant = await newTenant();
    const now = Date.now();
    const base = now - 365 * DAY;
    const rows: Seeded[] = [
      ...farRows("cert_agg_a", 60, base, now, 3),
      // Expired a day ago, and failing to renew although far from expiry: both urgent, both among the oldest rows.
      { id: "cert_agg_expired", type: "letsencrypt", issuer: "CN=E6, O=Let's Encrypt, C=US", state: "active", createdAt: base - 2, expiresAt: now - DAY, renewalFailures: 3 },
      { id: "cert_agg_failing", type: "letsencrypt", issuer: "CN=E6, O=Let's Encrypt, C=US", state: "active", createdAt: base - 1, expiresAt: now + 80 * DAY, renewalFailures: 1 },
      // The newest row expires first: under a creation-time order it would be the last one left out.
      { id: "cert_agg_soonest", type: "custom", issuer: "CN=Example Uploaded CA", state: "active", createdAt: now, expiresAt: now + 2 * 3_600_000, renewalFailures: 0 },
    ];
    await insert(tenant.teamId, rows);
    const limit = 10;

    const families = parseMetrics(await scrapeMetrics(db(), { teamId: tenant.teamId }, now, { certificates: limit, counterRows: 100 }));

    const kept = family(families, "certdesk_certificate_expiration_timestamp_seconds").map((m) => m.labels!.id!);
    expect(kept).toHaveLength(limit);
    // Failing first (the soonest of them first), then by expiry: exactly the most urgent `limit` rows.
    const urgent = rows
      .slice()
      .sort((a, b) => Number(b.renewalFailures > 0) - Number(a.renewalFailures > 0) || a.expiresAt - b.expiresAt)
      .slice(0, limit)
      .map((r) => r.id);
    expect(kept).toEqual(urgent);
    expect(kept.slice(0, 3)).toEqual(["cert_agg_expired", "cert_agg_failing", "cert_agg_soonest"]);
    expect(family(families, "certdesk_metrics_truncated")).toContainEqual({ labels: { part: "certificates" }, value: "1" });

    const expected = expectedGroups(tenant.slug, rows, now);
    expect(sortSamples(family(families, "certdesk_certificates_expiring"))).toEqual(sortSamples(expected.expiring));
    expect(expected.expiring.length).toBeGreaterThan(4);
    expect(expected.failing.length).toBeGreaterThan(0);
    expect(sortSamples(family(families, "certdesk_certificates_expired"))).toEqual(sortSamples(expected.expired));
    expect(sortSamples(family(families, "certdesk_certificates_renewal_failing"))).toEqual(sortSamples(expected.failing));
    expect(sortSamples(family(families, "certdesk_certificates_earliest_expiration_timestamp_seconds"))).toEqual(sortSamples(expected.earliest));
    // Every row is counted once: those within 30 days, the expired, and the rest beyond 30 days.
    const counted = family(families, "certdesk_certificates_expiring")
      .filter((m) => m.labels!.within === "30d")
      .reduce((sum, m) => sum + Number(m.value), 0);
    const expiredCount = family(families, "certdesk_certificates_expired").reduce((sum, m) => sum + Number(m.value), 0);
    expect(counted + expiredCount + rows.filter((r) => r.expiresAt > now + 30 * DAY).length).toBe(rows.length);
    expect(counted).toBeGreaterThan(limit);
  });

  it("gives every certificate a series, in urgency order, and truncates nothing when all fit", async () => {
    const tenant = await newTenant();
    const now = Date.now();
    const rows = farRows("cert_fit_", 8, now - DAY, now, 40);
    await insert(tenant.teamId, rows);
    const families = parseMetrics(await scrapeMetrics(db(), { teamId: tenant.teamId }, now, { certificates: 8, counterRows: 100 }));
    const kept = family(families, "certdesk_certificate_expiration_timestamp_seconds").map((m) => m.labels!.id);
    expect(kept).toEqual(rows.slice().sort((a, b) => a.expiresAt - b.expiresAt).map((r) => r.id));
    expect(family(families, "certdesk_metrics_truncated")).toContainEqual({ labels: { part: "certificates" }, value: "0" });
  });
});

describe("the aggregates' cost", () => {
  /** D1's rows_read for the aggregate statement, as the scrape runs it. */
  async function rowsRead(teamId: string | null, now: number): Promise<number> {
    const { sql, params } = publicAggregateQuery(db(), teamId, now).getQuery();
    return (await env.DB.prepare(sql).bind(...params).all()).meta.rows_read;
  }

  it("reads the groups and the certificates near expiry, not the certificates far from it", async () => {
    const tenant = await newTenant();
    const now = Date.now();
    const near = farRows("cert_near_", 12, now - DAY, now, 1);
    await insert(tenant.teamId, [...near, ...farRows("cert_far1_", 300, now - DAY, now, 200)]);
    const fewFar = { team: await rowsRead(tenant.teamId, now), all: await rowsRead(null, now) };
    await insert(tenant.teamId, farRows("cert_far2_", 1_500, now - DAY, now, 200));
    const manyFar = { team: await rowsRead(tenant.teamId, now), all: await rowsRead(null, now) };

    // 1,500 more certificates beyond 30 days, in the same groups: the statement reads no more rows for them.
    expect(manyFar.team).toBe(fewFar.team);
    expect(manyFar.all).toBe(fewFar.all);
    // A handful of index reads per group (6 here) and one per certificate within 30 days (12), for this team.
    expect(fewFar.team).toBeLessThan(near.length + 6 * 12);
  });

  it("finds the groups through the index, never a scan of the certificates", async () => {
    const { sql, params } = publicAggregateQuery(db(), null, Date.now()).getQuery();
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...params).all<{ detail: string }>();
    const plan = results.map((r) => r.detail);
    expect(plan.filter((d) => /^SCAN (certificates|x|n)\b(?! USING COVERING INDEX certificates_expiry_group_idx)/.test(d))).toEqual([]);
    expect(plan).toContainEqual(expect.stringMatching(/SEARCH x USING COVERING INDEX certificates_expiry_group_idx \(team_id=\? AND type=\? AND issuer=\? AND state=\? AND expires_at<\?\)/));
    expect(plan).toContainEqual(expect.stringMatching(/SEARCH x USING (COVERING )?INDEX certificates_renewal_failing_idx/));
  });
});
