/** The per-team quota on server certificates (project and Vercel uploads, Vercel issues): how many, and their bytes in D1. */
import { sql } from "drizzle-orm";
import type { Limits } from "../../core/config";
import { sealedLength } from "../../crypto/sealing";
import type { Database } from "../../db/client";
import { formatBytes, limitReached } from "./quota";

export type CertificateLimits = Pick<Limits, "CERTIFICATES_PER_TEAM" | "CERTIFICATE_BYTES_PER_TEAM">;

/** What a certificate will take once stored: its PEMs and its sealed key (as store/certificates.ts keeps them). */
export function storedCertificateBytes(material: { leafPem: string; chainPem: string; privateKeyPkcs8Pem: string | null }): number {
  return material.leafPem.length + material.chainPem.length + (material.privateKeyPkcs8Pem ? sealedLength(material.privateKeyPkcs8Pem) : 0);
}

/**
 * Throws 409 limit_reached unless the team has room for one more certificate of `bytes` (storedCertificateBytes).
 * `replacing` is the id of the row the write replaces (a project's previous certificate): it is not counted.
 * A check before the write, as the store's batch carries no guard: concurrent uploads can pass it together,
 * each by one certificate at most.
 */
export async function requireCertificateRoom(
  db: Database,
  limits: CertificateLimits,
  teamId: string,
  bytes: number,
  replacing?: string | null,
): Promise<void> {
  const others = replacing ? sql`team_id = ${teamId} AND id <> ${replacing}` : sql`team_id = ${teamId}`;
  const usage = await db.get<{ count: number; bytes: number }>(sql`
    SELECT count(*) AS count,
      coalesce(sum(length(certificate_pem) + length(chain_pem) + length(sealed_key) + coalesce(length(sealed_dns_credentials), 0)), 0) AS bytes
    FROM certificates WHERE ${others}`);
  if (usage.count >= limits.CERTIFICATES_PER_TEAM) {
    throw limitReached(`A team can hold at most ${limits.CERTIFICATES_PER_TEAM} certificates; delete one before adding another`);
  }
  if (usage.bytes + bytes > limits.CERTIFICATE_BYTES_PER_TEAM) {
    throw limitReached(
      `This certificate (${formatBytes(bytes)} stored) would take the team's certificates past ${formatBytes(limits.CERTIFICATE_BYTES_PER_TEAM)} ` +
        `(${formatBytes(usage.bytes)} in use); delete some first`,
    );
  }
}
