/**
 * The scrape's aggregates: for every team × type × issuer × status, how many certificates expire within 1, 7, 14 and
 * 30 days, how many have expired, how many fail to renew, and the earliest expiry to come, counted in D1 over indexes
 * so that a scrape reads the groups and the certificates near their expiry, never every certificate.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import type { MetricFamily, Sample } from "./exposition";
import { PRIVATE_ISSUER_PREFIX } from "./certificate-gauges";

const DAY_MS = 86_400_000;

/** The `within` label's windows, each counting the certificates not yet expired whose notAfter falls inside it. */
export const EXPIRY_WINDOWS = [
  { within: "1d", ms: DAY_MS },
  { within: "7d", ms: 7 * DAY_MS },
  { within: "14d", ms: 14 * DAY_MS },
  { within: "30d", ms: 30 * DAY_MS },
] as const;

const WIDEST_WINDOW_MS = EXPIRY_WINDOWS[EXPIRY_WINDOWS.length - 1]!.ms;

/** One group's counts; `earliest` is the soonest notAfter after now (ms), null when every certificate has expired. */
export interface AggregateRow {
  team: string;
  type: string;
  issuer: string;
  status: string;
  /** Counts per EXPIRY_WINDOWS entry, in its order, then the expired count: a JSON array from D1. */
  counts: string;
  earliest: number | null;
  failing: number;
}

/**
 * The conditional sums of one group's rows with notAfter up to 30 days from now (expired ones included, for the ACME
 * and uploaded certificates): a range of the group's index entries, read once.
 */
function windowCounts(column: SQL, now: number): SQL {
  const sums = EXPIRY_WINDOWS.map((w) => sql`coalesce(sum(${column} > ${now} AND ${column} <= ${now + w.ms}), 0)`);
  return sql`json_array(${sql.join(sums, sql`, `)}, coalesce(sum(${column} <= ${now}), 0))`;
}

/** The same group of certificates as `g`, by the four columns of certificates_expiry_group_idx. */
const SAME_GROUP = sql.raw("x.team_id = g.team_id AND x.type = g.type AND x.issuer = g.issuer AND x.state = g.state");

/**
 * The ACME and uploaded certificates of one team (`teamId`) or of every team (null), a row per group. The groups are
 * found by a loose index scan of certificates_expiry_group_idx (a recursive step seeks the next team, type, issuer
 * or state after the last one: a few index reads per group, however many certificates each holds); each group then
 * costs one seek for its earliest expiry, one range for the certificates within 30 days of theirs, and one count of
 * certificates_renewal_failing_idx, which holds only those failing.
 */
export function publicAggregateQuery(db: Database, teamId: string | null, now: number) {
  const first = teamId === null ? sql`` : sql`WHERE team_id = ${teamId}`;
  // The next group within the same team first; across teams only for the operator's scrape.
  const nextTeam =
    teamId === null
      ? sql`, (SELECT x.rowid FROM certificates x INDEXED BY certificates_expiry_group_idx WHERE x.team_id > g.team_id ORDER BY x.team_id, x.type, x.issuer, x.state LIMIT 1)`
      : sql``;
  return db.all<AggregateRow>(sql`
WITH RECURSIVE g(team_id, type, issuer, state) AS (
  SELECT * FROM (SELECT team_id, type, issuer, state FROM certificates INDEXED BY certificates_expiry_group_idx ${first} ORDER BY team_id, type, issuer, state LIMIT 1)
  UNION ALL
  SELECT n.team_id, n.type, n.issuer, n.state FROM g JOIN certificates n ON n.rowid = coalesce(
    (SELECT x.rowid FROM certificates x INDEXED BY certificates_expiry_group_idx WHERE x.team_id = g.team_id AND x.type = g.type AND x.issuer = g.issuer AND x.state > g.state ORDER BY x.state LIMIT 1),
    (SELECT x.rowid FROM certificates x INDEXED BY certificates_expiry_group_idx WHERE x.team_id = g.team_id AND x.type = g.type AND x.issuer > g.issuer ORDER BY x.issuer, x.state LIMIT 1),
    (SELECT x.rowid FROM certificates x INDEXED BY certificates_expiry_group_idx WHERE x.team_id = g.team_id AND x.type > g.type ORDER BY x.type, x.issuer, x.state LIMIT 1)
    ${nextTeam})
)
SELECT t.slug AS team, g.type AS type, g.issuer AS issuer, g.state AS status,
  (SELECT ${windowCounts(sql.raw("x.expires_at"), now)} FROM certificates x INDEXED BY certificates_expiry_group_idx WHERE ${SAME_GROUP} AND x.expires_at <= ${now + WIDEST_WINDOW_MS}) AS counts,
  (SELECT x.expires_at FROM certificates x INDEXED BY certificates_expiry_group_idx WHERE ${SAME_GROUP} AND x.expires_at > ${now} ORDER BY x.expires_at LIMIT 1) AS earliest,
  (SELECT count(*) FROM certificates x INDEXED BY certificates_renewal_failing_idx WHERE ${SAME_GROUP} AND x.renewal_failures > 0) AS failing
FROM g JOIN teams t ON t.id = g.team_id
ORDER BY t.slug, g.type, g.issuer, g.state`);
}

/**
 * A private certificate counts while it is unexpired and not superseded in its egress slot, as its per-certificate
 * series (certificate-gauges.ts): the ids come from the index, the slot is looked up for client certificates alone.
 */
const CURRENT_PRIVATE = sql.raw("(x.id NOT LIKE 'ccert%' OR EXISTS (SELECT 1 FROM client_certificates cc WHERE cc.id = x.id))");

/**
 * The certificates the teams' own CAs issued, a row per CA and status with any unexpired certificate: each CA (a
 * team has at most PRIVATE_CAS_PER_TEAM) costs a seek and a 30-day range of private_certificates_expiry_group_idx per
 * status. An expired private certificate is not counted (nothing renews or serves it: short-lived ones pile up), nor
 * is a renewal failing (a private renewal does not count failures).
 */
export function privateAggregateQuery(db: Database, teamId: string | null, now: number) {
  const scope = teamId === null ? sql`` : sql`WHERE ca.team_id = ${teamId}`;
  const group = sql.raw("x.ca_id = ca.id AND x.status = s.status");
  return db.all<AggregateRow>(sql`
SELECT * FROM (
  SELECT t.slug AS team, 'private' AS type, ${PRIVATE_ISSUER_PREFIX} || ca.name AS issuer, s.status AS status,
    (SELECT ${windowCounts(sql.raw("x.not_after"), now)} FROM private_certificates x INDEXED BY private_certificates_expiry_group_idx WHERE ${group} AND x.not_after > ${now} AND x.not_after <= ${now + WIDEST_WINDOW_MS} AND ${CURRENT_PRIVATE}) AS counts,
    (SELECT x.not_after FROM private_certificates x INDEXED BY private_certificates_expiry_group_idx WHERE ${group} AND x.not_after > ${now} AND ${CURRENT_PRIVATE} ORDER BY x.not_after LIMIT 1) AS earliest,
    0 AS failing
  FROM certificate_authorities ca JOIN teams t ON t.id = ca.team_id JOIN (SELECT 'active' AS status UNION ALL SELECT 'revoked') s
  ${scope}
) WHERE earliest IS NOT NULL
ORDER BY team, issuer, status`);
}

/** A group's counts as numbers: per window in EXPIRY_WINDOWS order, and expired. */
export function groupCounts(row: AggregateRow): { within: number[]; expired: number } {
  const counts = JSON.parse(row.counts ?? "null") as number[] | null;
  return { within: EXPIRY_WINDOWS.map((_, i) => counts?.[i] ?? 0), expired: counts?.[EXPIRY_WINDOWS.length] ?? 0 };
}

export function aggregateFamilies(rows: readonly AggregateRow[]): MetricFamily[] {
  const expiring: Sample[] = [];
  const expired: Sample[] = [];
  const failing: Sample[] = [];
  const earliest: Sample[] = [];
  for (const row of rows) {
    const labels = { team: row.team, type: row.type, issuer: row.issuer, status: row.status };
    const counts = groupCounts(row);
    // A count of 0 has no sample: thousands of teams × 7 series would pass 5 MB alone, and `> 0` alerts and sum()
    // read an absent series as none. The earliest expiry is always there, so every group shows.
    EXPIRY_WINDOWS.forEach((w, i) => {
      if (counts.within[i]! > 0) expiring.push({ labels: { ...labels, within: w.within }, value: counts.within[i]! });
    });
    if (counts.expired > 0) expired.push({ labels, value: counts.expired });
    if (row.failing > 0) failing.push({ labels, value: row.failing });
    // Absent only when the group holds nothing but expired certificates: there is no expiry to come.
    if (row.earliest !== null) earliest.push({ labels, value: Math.floor(row.earliest / 1000) });
  }
  return [
    {
      name: "certdesk_certificates_expiring",
      help: "Certificates not yet expired whose notAfter is within the window (within: 1d, 7d, 14d, 30d; each window includes the shorter ones), every certificate of the group counted; no sample when none.",
      type: "gauge",
      samples: expiring,
    },
    {
      name: "certdesk_certificates_expired",
      help: "Certificates past their notAfter (ACME and uploaded; an expired private certificate is not kept in view); no sample when none.",
      type: "gauge",
      samples: expired,
    },
    {
      name: "certdesk_certificates_renewal_failing",
      help: "Certificates whose last renewal attempts failed (at least one failure since the last success); no sample when none.",
      type: "gauge",
      samples: failing,
    },
    {
      name: "certdesk_certificates_earliest_expiration_timestamp_seconds",
      help: "The soonest notAfter among the group's certificates not yet expired. Expressed as a Unix Epoch Time.",
      type: "gauge",
      samples: earliest,
    },
  ];
}
