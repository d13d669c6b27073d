/**
 * The certificate gauges of `GET /metrics`, named and labelled after cert-manager's
 * (https://cert-manager.io/docs/devops-tips/prometheus-metrics/: `certmanager_certificate_expiration_timestamp_seconds`,
 * `…_renewal_timestamp_seconds`, `…_ready_status{condition}`), so that dashboards and alerts written for it carry
 * over: cert-manager's `namespace` and `name` are the team and the certificate's id here.
 */
import { asc, eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { certificates, projects, teams } from "../../db/schema";
import type { MetricFamily, Sample } from "./exposition";

/**
 * The certificates of one team (`teamId`) or of every team (null), at most `limit`, in one statement, only the
 * columns the gauges need. The team's rows are read through certificates_team_idx (team_id, created_at), in its
 * order; the team and the project are primary-key lookups.
 */
export function certificateGaugeRowsQuery(db: Database, teamId: string | null, limit: number) {
  return db
    .select({
      id: certificates.id,
      team: teams.slug,
      project: projects.name,
      domain: certificates.domain,
      type: certificates.type,
      state: certificates.state,
      issuedAt: certificates.issuedAt,
      expiresAt: certificates.expiresAt,
      nextRenewalAt: certificates.nextRenewalAt,
      renewalFailures: certificates.renewalFailures,
    })
    .from(certificates)
    .innerJoin(teams, eq(teams.id, certificates.teamId))
    .leftJoin(projects, eq(projects.id, certificates.projectId))
    .where(teamId === null ? undefined : eq(certificates.teamId, teamId))
    .orderBy(asc(certificates.teamId), asc(certificates.createdAt))
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

/** The labels every certificate series carries. A certificate of no project (a Vercel team certificate) has project "". */
function labelsOf(row: CertificateGaugeRow): Record<string, string> {
  return { id: row.id, team: row.team, project: row.project ?? "", domain: row.domain, type: row.type };
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
