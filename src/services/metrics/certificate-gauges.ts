/**
 * The certificate gauges of `GET /metrics`, named and labelled after cert-manager's
 * (https://cert-manager.io/docs/devops-tips/prometheus-metrics/: `certmanager_certificate_expiration_timestamp_seconds`,
 * `…_renewal_timestamp_seconds`, `…_ready_status{condition}`), so that dashboards and alerts written for it carry
 * over: cert-manager's `namespace` and `name` are the team and the certificate's id here.
 */
import { and, eq, gt, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { type CertificateState, type CertificateType, certificateAuthorities, certificates, clientCertificates, privateCertificates, projects, teams } from "../../db/schema";
import type { MetricFamily, Sample } from "./exposition";

/** The `type` label: the stored type of an ACME or uploaded certificate, `private` for one a team's CA issued. */
type GaugeType = CertificateType | "private";

/** The `issuer` label of a certificate a team's own CA issued: its CA's name, which the team chose and sees. */
export const PRIVATE_ISSUER_PREFIX = "private:";

/** The ACME and uploaded certificates: the team's rows through certificates_team_idx (team_id, created_at), in its order. */
function publicCertificateRows(db: Database, teamId: string | null) {
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
      sortTeam: sql<string>`${certificates.teamId}`.as("sort_team"),
      sortCreated: sql<number>`${certificates.createdAt}`.as("sort_created"),
    })
    .from(certificates)
    .innerJoin(teams, eq(teams.id, certificates.teamId))
    .leftJoin(projects, eq(projects.id, certificates.projectId))
    .where(teamId === null ? undefined : eq(certificates.teamId, teamId));
}

/**
 * Certificates the teams' own CAs issued and that have not expired (a private CA's short-lived certificates pile up:
 * an expired one has nothing left to watch). A client certificate replaced in its egress slot (renewed, re-issued) is
 * left out: it was superseded, its expiry is no alarm. A team's are read through its CAs (certificate_authorities_team_idx,
 * then private_certificates_ca_idx); the project is that of the egress slot holding it, "" otherwise.
 */
function privateCertificateRows(db: Database, teamId: string | null, now: number) {
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
      renewalFailures: sql<number>`0`,
      issuer: sql<string>`${PRIVATE_ISSUER_PREFIX} || ${certificateAuthorities.name}`,
      sortTeam: sql<string>`${pc.teamId}`.as("sort_team"),
      sortCreated: sql<number>`${pc.createdAt}`.as("sort_created"),
    })
    .from(certificateAuthorities)
    .innerJoin(pc, eq(pc.caId, certificateAuthorities.id))
    .innerJoin(teams, eq(teams.id, certificateAuthorities.teamId))
    .leftJoin(clientCertificates, eq(clientCertificates.id, pc.id))
    .leftJoin(projects, eq(projects.id, clientCertificates.projectId))
    .where(
      and(
        teamId === null ? undefined : eq(certificateAuthorities.teamId, teamId),
        gt(pc.notAfter, now),
        sql`(${pc.id} NOT LIKE 'ccert%' OR ${clientCertificates.id} IS NOT NULL)`,
      ),
    );
}

/**
 * The certificates of one team (`teamId`) or of every team (null), ACME, uploaded and private, at most `limit`, in
 * one statement (a UNION ALL: the scrape's statement count stays as it was), only the columns the gauges need, in team
 * then creation order.
 */
export function certificateGaugeRowsQuery(db: Database, teamId: string | null, limit: number, now: number) {
  return publicCertificateRows(db, teamId)
    .unionAll(privateCertificateRows(db, teamId, now))
    .orderBy(sql`sort_team`, sql`sort_created`)
    .limit(limit);
}

export type CertificateGaugeRow = Awaited<ReturnType<typeof certificateGaugeRowsQuery>>[number];

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
