/**
 * The certificate gauges of `GET /metrics`, named and labelled after cert-manager's
 * (https://cert-manager.io/docs/devops-tips/prometheus-metrics/: `certmanager_certificate_expiration_timestamp_seconds`,
 * `…_renewal_timestamp_seconds`, `…_ready_status{condition}`), so that dashboards and alerts written for it carry
 * over: cert-manager's `namespace` and `name` are the team and the certificate's id here.
 */
import { and, asc, eq, gt, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { type CertificateState, type CertificateType, certificateAuthorities, certificates, clientCertificates, privateCertificates, projects, teams } from "../../db/schema";
import type { MetricFamily, Sample } from "./exposition";

/** The `type` label: the stored type of an ACME or uploaded certificate, `private` for one a team's CA issued. */
type GaugeType = CertificateType | "private";

/** The `issuer` label of a certificate a team's own CA issued: its CA's name, which the team chose and sees. */
export const PRIVATE_ISSUER_PREFIX = "private:";

/** The ACME and uploaded certificates of one team (null: every team) that also meet `where`. */
function publicCertificateRows(db: Database, teamId: string | null, where?: SQL) {
  return db
    .select({
      id: certificates.id,
      team: teams.slug,
      project: projects.name,
      domain: certificates.domain,
      type: sql<GaugeType>`${certificates.type}`,
      state: certificates.state,
      issuedAt: certificates.issuedAt,
      expiresAt: certificates.expiresAt,
      nextRenewalAt: certificates.nextRenewalAt,
      renewalFailures: certificates.renewalFailures,
      // The issuing CA's subject, as stored at upload or issuance ("CN=R11, O=Let's Encrypt, C=US").
      issuer: certificates.issuer,
    })
    .from(certificates)
    .innerJoin(teams, eq(teams.id, certificates.teamId))
    .leftJoin(projects, eq(projects.id, certificates.projectId))
    .where(and(teamId === null ? undefined : eq(certificates.teamId, teamId), where));
}

/**
 * Certificates the teams' own CAs issued (`where` chooses which), with their CA, team and the project of the egress
 * slot holding them ("" otherwise).
 */
function privateCertificateRows(db: Database, where: SQL) {
  const pc = privateCertificates;
  return db
    .select({
      id: pc.id,
      team: teams.slug,
      project: projects.name,
      domain: sql<string>`coalesce(json_extract(${pc.names}, '$.commonName'), json_extract(${pc.names}, '$.dnsNames[0]'), json_extract(${pc.names}, '$.ipAddresses[0]'), json_extract(${pc.names}, '$.uris[0]'), '')`,
      type: sql<GaugeType>`'private'`,
      state: sql<CertificateState>`${pc.status}`,
      issuedAt: pc.notBefore,
      expiresAt: pc.notAfter,
      // In an egress slot: renewed at two thirds of the lifetime (services/client-certificate-renewal.ts); otherwise
      // when the private_renewal stage will renew it in place (null: never).
      nextRenewalAt: sql<number | null>`CASE WHEN ${clientCertificates.id} IS NOT NULL THEN (CASE WHEN ${pc.autoRenew} = 1 AND ${pc.status} = 'active' THEN ${pc.notBefore} + (${pc.notAfter} - ${pc.notBefore}) * 2 / 3 END) ELSE ${pc.nextRenewalAt} END`,
      // Named: a batch's rows come back as objects, and a column named "0" (an integer key) would come first.
      renewalFailures: sql<number>`0`.as("renewal_failures"),
      issuer: sql<string>`${PRIVATE_ISSUER_PREFIX} || ${certificateAuthorities.name}`,
    })
    .from(certificateAuthorities)
    .innerJoin(pc, eq(pc.caId, certificateAuthorities.id))
    .innerJoin(teams, eq(teams.id, certificateAuthorities.teamId))
    .leftJoin(clientCertificates, eq(clientCertificates.id, pc.id))
    .leftJoin(projects, eq(projects.id, clientCertificates.projectId))
    .where(where);
}

/**
 * The rowids of at most `limit` certificates of `table`, read through `index` (SQLite's INDEXED BY) in its order and
 * stopped at the limit: D1 keeps no statistics, so the planner cannot tell that a partial index holds a few rows, nor
 * that an index's order makes a sort of every row needless.
 */
function rowidsThrough(table: string, index: string, where: SQL, orderBy: string, limit: number): SQL {
  return sql`${sql.identifier(table)}.rowid IN (SELECT rowid FROM ${sql.identifier(table)} INDEXED BY ${sql.identifier(index)} WHERE ${where} ORDER BY ${sql.raw(orderBy)} LIMIT ${limit})`;
}

/** A team's rows (null: every team's). */
const ofTeam = (teamId: string | null) => (teamId === null ? sql`1` : sql`team_id = ${teamId}`);

/**
 * The certificates that get a series when not every one fits, urgency first: those failing to renew, then those
 * nearest their expiry (expired ones first: a lapsed certificate still served is an outage), of one team (`teamId`)
 * or every team (null), ACME, uploaded and private. Three statements of at most `limit` rows each, each read in the
 * order of an index and stopped at its limit (certificates_renewal_failing_idx holds only the failing ones;
 * certificates_team_expiry_idx or certificates_expiry_idx; private_certificates_team_expiry_idx or
 * private_certificates_expiry_idx), so a scrape reads about `limit` rows per statement however many certificates
 * there are; mergeUrgentRows picks the `limit` most urgent of them.
 *
 * Private certificates count while unexpired (a private CA's short-lived certificates pile up: an expired one has
 * nothing left to watch), and a client certificate replaced in its egress slot (renewed, re-issued) is left out: it
 * was superseded, its expiry is no alarm.
 */
export function certificateGaugeRowsQueries(db: Database, teamId: string | null, limit: number, now: number) {
  const team = ofTeam(teamId);
  const currentPrivate = sql`not_after > ${now} AND (id NOT LIKE 'ccert%' OR EXISTS (SELECT 1 FROM client_certificates cc WHERE cc.id = private_certificates.id))`;
  return [
    publicCertificateRows(db, null, rowidsThrough("certificates", "certificates_renewal_failing_idx", sql`renewal_failures > 0 AND ${team}`, "expires_at", limit))
      .orderBy(asc(certificates.expiresAt)),
    publicCertificateRows(db, teamId).orderBy(asc(certificates.expiresAt)).limit(limit),
    privateCertificateRows(
      db,
      rowidsThrough("private_certificates", teamId === null ? "private_certificates_expiry_idx" : "private_certificates_team_expiry_idx", sql`${team} AND ${currentPrivate}`, "not_after", limit),
    ).orderBy(asc(privateCertificates.notAfter)),
  ] as const;
}

export type CertificateGaugeRow = Awaited<ReturnType<typeof publicCertificateRows>>[number];

/** Failing to renew first, then the soonest expiry, then the id (a stable order between scrapes). */
function byUrgency(a: CertificateGaugeRow, b: CertificateGaugeRow): number {
  return Number(b.renewalFailures > 0) - Number(a.renewalFailures > 0) || a.expiresAt - b.expiresAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The rows of certificateGaugeRowsQueries, each certificate once, most urgent first: the first `limit` get series;
 * more than `limit` means some were left out.
 */
export function mergeUrgentRows(lists: readonly (readonly CertificateGaugeRow[])[]): CertificateGaugeRow[] {
  const byId = new Map<string, CertificateGaugeRow>();
  for (const list of lists) for (const row of list) byId.set(row.id, row);
  return [...byId.values()].sort(byUrgency);
}

/** cert-manager's Ready condition values; one series each, 1 for the current one. */
const CONDITIONS = ["True", "False", "Unknown"] as const;

/**
 * Ready: active (not revoked) and within its validity period now. A stored certificate's state is always known, so
 * "Unknown" is never the current condition; its series is kept, at 0, as cert-manager keeps it.
 */
export function readyCondition(row: Pick<CertificateGaugeRow, "state" | "issuedAt" | "expiresAt">, now: number): (typeof CONDITIONS)[number] {
  return row.state === "active" && row.issuedAt <= now && now < row.expiresAt ? "True" : "False";
}

/**
 * The labels every certificate series carries. A certificate of no project (a Vercel team certificate, a private
 * certificate issued through its CA's route) has project "".
 */
function labelsOf(row: CertificateGaugeRow): Record<string, string> {
  return { id: row.id, team: row.team, project: row.project ?? "", domain: row.domain, type: row.type, issuer: row.issuer };
}

/** Milliseconds (as stored) to the Unix seconds Prometheus timestamps are expressed in. */
const seconds = (ms: number) => Math.floor(ms / 1000);

export function certificateFamilies(rows: readonly CertificateGaugeRow[], now: number): MetricFamily[] {
  const expiration: Sample[] = [];
  const renewal: Sample[] = [];
  const ready: Sample[] = [];
  const failures: Sample[] = [];
  for (const row of rows) {
    const labels = labelsOf(row);
    expiration.push({ labels, value: seconds(row.expiresAt) });
    // No series for a certificate nothing will renew (uploaded, renewal off or stopped, revoked): a 0 would look overdue.
    if (row.nextRenewalAt !== null) renewal.push({ labels, value: seconds(row.nextRenewalAt) });
    const current = readyCondition(row, now);
    for (const condition of CONDITIONS) ready.push({ labels: { ...labels, condition }, value: condition === current ? 1 : 0 });
    failures.push({ labels, value: row.renewalFailures });
  }
  return [
    {
      name: "certdesk_certificate_expiration_timestamp_seconds",
      help: "The date after which the certificate expires (notAfter). Expressed as a Unix Epoch Time.",
      type: "gauge",
      samples: expiration,
    },
    {
      name: "certdesk_certificate_renewal_timestamp_seconds",
      help: "The date from which the certificate is next due for renewal. Expressed as a Unix Epoch Time. Absent when it is not renewed automatically.",
      type: "gauge",
      samples: renewal,
    },
    {
      name: "certdesk_certificate_ready_status",
      help: "The ready status of the certificate: 1 for the current condition (True: active and within its validity period; False: revoked, expired or not yet valid).",
      type: "gauge",
      samples: ready,
    },
    {
      name: "certdesk_certificate_renewal_consecutive_failures",
      help: "Failed renewal attempts of the certificate since its last success (its backoff follows them).",
      type: "gauge",
      samples: failures,
    },
  ];
}
