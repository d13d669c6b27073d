/**
 * The per-team quota on server certificates (project and Vercel uploads): how many, and their bytes in D1. Checked in
 * the statements that write the certificate, so concurrent uploads at the edge cannot pass it together.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Limits } from "../../core/config";
import type { AppError } from "../../core/errors";
import type { Database } from "../../db/client";
import type { CertificateRow } from "../../store/certificates";
import { formatBytes, limitReached } from "./quota";

export type CertificateLimits = Pick<Limits, "CERTIFICATES_PER_TEAM" | "CERTIFICATE_BYTES_PER_TEAM">;

/** What a row takes in D1, as the quota counts it (length() of its text columns; PEM and base64 are ASCII). */
export function storedCertificateBytes(row: Pick<CertificateRow, "certificatePem" | "chainPem" | "sealedKey" | "sealedDnsCredentials">): number {
  return row.certificatePem.length + row.chainPem.length + row.sealedKey.length + (row.sealedDnsCredentials?.length ?? 0);
}

/** The team's certificates but the one a write replaces (`replacing`, a project's previous certificate). */
function others(teamId: string, replacing?: string | null): SQL {
  return replacing ? sql`team_id = ${teamId} AND id <> ${replacing}` : sql`team_id = ${teamId}`;
}

const USED_BYTES = sql`coalesce(sum(length(certificate_pem) + length(chain_pem) + length(sealed_key) + coalesce(length(sealed_dns_credentials), 0)), 0)`;

/**
 * SQL: the team has room for one more certificate of `bytes` (storedCertificateBytes), not counting the row being
 * replaced. The guard of the write itself (store/certificates.ts storeCertificateStatements): it reads the same before
 * and after the replaced row's delete.
 */
export function certificateRoom(limits: CertificateLimits, teamId: string, bytes: number, replacing?: string | null): SQL {
  const rows = others(teamId, replacing);
  return sql`(SELECT count(*) FROM certificates WHERE ${rows}) < ${limits.CERTIFICATES_PER_TEAM}
    AND (SELECT ${USED_BYTES} FROM certificates WHERE ${rows}) + ${bytes} <= ${limits.CERTIFICATE_BYTES_PER_TEAM}`;
}

/** The 409 (limit_reached) naming the quota a guarded write would have passed, read after it changed nothing. */
export async function certificateQuotaRefusal(
  db: Database,
  limits: CertificateLimits,
  teamId: string,
  bytes: number,
  replacing?: string | null,
): Promise<AppError> {
  const usage = await db.get<{ count: number; bytes: number }>(sql`SELECT count(*) AS count, ${USED_BYTES} AS bytes FROM certificates WHERE ${others(teamId, replacing)}`);
  if (usage.count >= limits.CERTIFICATES_PER_TEAM) {
    return limitReached(`A team can hold at most ${limits.CERTIFICATES_PER_TEAM} certificates; delete one before adding another`);
  }
  return limitReached(
    `This certificate (${formatBytes(bytes)} stored) would take the team's certificates past ${formatBytes(limits.CERTIFICATE_BYTES_PER_TEAM)} ` +
      `(${formatBytes(usage.bytes)} in use); delete some first`,
  );
}
