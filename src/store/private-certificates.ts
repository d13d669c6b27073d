/** Leaf certificates of a team's CAs: rows with their generated key sealed (none for a CSR), pages, revocation. */
import { and, desc, eq, gt, lt, or, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { preparedPer } from "../db/prepared";
import { certificateAuthorities, privateCertificates } from "../db/schema";
import { selectValues } from "../db/select-values";
import { type PageCursor, pageOf } from "./certificate-authorities";

export type PrivateCertificateRow = typeof privateCertificates.$inferSelect;

const table = privateCertificates;

/** Inserts the certificate only while the team has fewer than `maxCertificates` stored (one statement, as the quotas elsewhere). */
export function insertPrivateCertificateStatement(db: Database, row: PrivateCertificateRow, maxCertificates: number) {
  return db
    .insert(table)
    .select(sql`SELECT ${selectValues(table, row)} WHERE (SELECT count(*) FROM private_certificates WHERE team_id = ${row.teamId}) < ${maxCertificates}`)
    .returning({ id: table.id });
}

/** SQL: certificate `id` is stored. */
export const privateCertificateThere = (id: string) => sql`EXISTS (SELECT 1 FROM private_certificates WHERE id = ${id})`;

// Read by every ACME certificate download, so prepared once.
const certificateQuery = preparedPer((db) => db.select().from(table).where(and(eq(table.caId, sql.placeholder("caId")), eq(table.id, sql.placeholder("id")))).limit(1).prepare());

/** The CA's certificate `id`, or undefined (the CA must be the team's: the caller looked it up so). */
export async function findPrivateCertificate(db: Database, caId: string, id: string): Promise<PrivateCertificateRow | undefined> {
  return certificateQuery(db).get({ caId, id });
}

const withCaQuery = preparedPer((db) =>
  db
    .select({ ca: certificateAuthorities, certificate: table })
    .from(table)
    .innerJoin(certificateAuthorities, eq(certificateAuthorities.id, table.caId))
    .where(and(eq(certificateAuthorities.teamId, sql.placeholder("teamId")), eq(certificateAuthorities.id, sql.placeholder("caId")), eq(table.id, sql.placeholder("id"))))
    .limit(1)
    .prepare(),
);

/** Certificate `id` of the team's CA `caId`, with that CA (as `findTeamCa` then `findPrivateCertificate`), in one statement. */
export async function findTeamCaCertificate(db: Database, teamId: string, caId: string, id: string) {
  return withCaQuery(db).get({ teamId, caId, id });
}

/** One page of the CA's certificates, newest first, through private_certificates_ca_idx. */
export async function caCertificatePage(db: Database, caId: string, { limit, before }: { limit: number; before?: PageCursor }) {
  const older = before ? or(lt(table.createdAt, before.createdAt), and(eq(table.createdAt, before.createdAt), lt(table.id, before.id))) : undefined;
  const rows = await db.select().from(table).where(and(eq(table.caId, caId), older)).orderBy(desc(table.createdAt), desc(table.id)).limit(limit + 1);
  return pageOf(rows, limit);
}

/**
 * What a CRL of the CA lists at `now`: revoked, not short-lived, not yet expired (RFC 5280 §3.3 lets an expired
 * certificate leave the CRL), through the partial index private_certificates_crl_idx.
 */
export async function revokedForCrl(db: Database, caId: string, now: number) {
  return db
    .select({ serial: table.serial, revokedAt: table.revokedAt, reason: table.revocationReason })
    .from(table)
    .where(and(eq(table.caId, caId), gt(table.notAfter, now), sql`status = 'revoked' AND short_lived = 0`));
}

/**
 * Revokes an active certificate, only while the CA's CRL is still number `crlNumber` (the CRL signed for this
 * revocation is written in the same batch over that number: a concurrent revocation makes both statements a no-op).
 */
export function revokeStatement(db: Database, row: Pick<PrivateCertificateRow, "id" | "caId">, crlNumber: number, revokedAt: number, reason: string) {
  return db
    .update(table)
    .set({ status: "revoked", revokedAt, revocationReason: reason, nextRenewalAt: null })
    .where(and(eq(table.id, row.id), eq(table.status, "active"), sql`EXISTS (SELECT 1 FROM certificate_authorities WHERE id = ${row.caId} AND crl_number = ${crlNumber})`))
    .returning();
}

/**
 * Certificates whose automatic renewal in place is due at `asOf`, oldest due first, through
 * private_certificates_renewal_idx. A record in an egress client certificate slot (same id) is not one of them: the
 * stage client_certificate_renewal replaces those, so the two stages never both renew one certificate.
 */
export async function dueForRenewal(db: Database, asOf: number, limit: number): Promise<PrivateCertificateRow[]> {
  return db
    .select()
    .from(table)
    .where(sql`next_renewal_at IS NOT NULL AND next_renewal_at <= ${asOf} AND NOT EXISTS (SELECT 1 FROM client_certificates c WHERE c.id = private_certificates.id)`)
    .orderBy(table.nextRenewalAt)
    .limit(limit);
}

/** Replaces the certificate of row `id` by a renewal, only while it still has serial `serial` and is active. */
export function renewStatement(db: Database, id: string, serial: string, renewed: Partial<PrivateCertificateRow>) {
  return db
    .update(table)
    .set(renewed)
    .where(and(eq(table.id, id), eq(table.serial, serial), eq(table.status, "active")))
    .returning();
}
