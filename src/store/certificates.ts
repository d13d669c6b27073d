/** Stored certificates: atomic replacement with the key sealed, conditional stores over a row version, deletion. */
import { type SQL, and, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { selectValues } from "../db/select-values";
import { certificates } from "../db/schema";
import { newId } from "../core/ids";
import { seal } from "../crypto/sealing";
import type { CheckedCertificate } from "../pki";

export type CertificateRow = typeof certificates.$inferSelect;

export interface NewCertificate {
  teamId: string;
  projectId: string | null;
  type: CertificateRow["type"];
  domain: string;
  names: string[];
  certificatePem: string;
  chainPem: string;
  /** Null for a relayed ACME server order: the client kept its key, and the row stores none (NO_STORED_KEY). */
  privateKeyPem: string | null;
  keyType: string;
  issuer: string;
  serial: string;
  fingerprint: string;
  issuedAt: number;
  expiresAt: number;
  autoRenew: boolean;
  renewedFrom?: number | null;
  issuance?: Record<string, unknown> | null;
  dnsCredentials?: Record<string, unknown> | null;
  /** DNS-01 through a saved connection: its id, and no `dnsCredentials` (renewals open the connection's). */
  dnsConnectionId?: string | null;
  /** DNS-01 through the operator's delegation zone (dns/delegation.ts): no credentials of the customer's at all. */
  dnsDelegation?: boolean;
  nextRenewalAt?: number | null;
  /** A renewal records when it ran on the row it stores. */
  lastRenewAttempt?: number | null;
  /** RFC 9773 renewal information as fetched at issuance, and when to fetch it again. */
  ari?: { windowStart: number; windowEnd: number; explanationUrl: string | null; retryAt: number | null } | null;
}

/**
 * The row as a job read it, which a later write can be made conditional on. Every write of a row moves
 * updatedAt strictly forward (or deletes the row); a replacement (upload, renewal) also changes the
 * fingerprint, which catches one landing in the same millisecond as the row it replaced. Two exceptions: the ARI
 * refresh (services/ari-refresh.ts) moves only the renewal schedule and leaves updatedAt, so that a renewal already
 * running over the row still stores its certificate; its own write is conditional on the row it read. And the renewal
 * queue's claim (store/renewal-claims.ts) is bookkeeping of the sweep, not a change of the certificate.
 */
export type RowVersion = Pick<CertificateRow, "id" | "updatedAt" | "fingerprint">;

/** SQL condition: the row is still the one `version` describes (not deleted, replaced or changed since). */
export function unchangedSince(version: RowVersion): SQL {
  return and(
    eq(certificates.id, version.id),
    eq(certificates.updatedAt, version.updatedAt),
    eq(certificates.fingerprint, version.fingerprint),
  )!;
}

/** The updatedAt of a write over `row` at `now`: later than the row's, even within one millisecond or on a sweep's moved clock. */
export function nextVersionTime(row: Pick<CertificateRow, "updatedAt">, now: number): number {
  return Math.max(now, row.updatedAt + 1);
}

/** `sealed_key` of a certificate whose key never reached Certdesk (a relayed ACME server order: its client kept it). */
export const NO_STORED_KEY = "";

/** Whether the row holds a private key to open (every row but a relayed one). */
export const hasStoredKey = (row: Pick<CertificateRow, "sealedKey">) => row.sealedKey !== NO_STORED_KEY;

/** The stored fields that a checked certificate (and its key) provide. */
export function materialOf(checked: CheckedCertificate) {
  const { report } = checked;
  return {
    names: report.names,
    certificatePem: checked.leafPem,
    chainPem: checked.chainPem,
    privateKeyPem: checked.privateKeyPkcs8Pem!,
    keyType: report.keyType ?? "unknown",
    issuer: report.issuer ?? "unknown",
    serial: report.serial ?? "",
    fingerprint: report.fingerprint ?? "",
    issuedAt: checked.notBefore.getTime(),
    expiresAt: checked.notAfter.getTime(),
  };
}

/** The row for `input` under `id`, its private key (and DNS credentials) sealed with the id as associated data. */
export async function sealedRow(encryptionKey: string, input: NewCertificate, now: number, id: string): Promise<CertificateRow> {
  return {
    id,
    teamId: input.teamId,
    projectId: input.projectId,
    type: input.type,
    state: "active",
    domain: input.domain,
    names: input.names,
    certificatePem: input.certificatePem,
    chainPem: input.chainPem,
    sealedKey: input.privateKeyPem === null ? NO_STORED_KEY : await seal(encryptionKey, input.privateKeyPem, id),
    keyType: input.keyType,
    issuer: input.issuer,
    serial: input.serial,
    fingerprint: input.fingerprint,
    issuedAt: input.issuedAt,
    expiresAt: input.expiresAt,
    autoRenew: input.autoRenew,
    renewedFrom: input.renewedFrom ?? null,
    issuance: input.issuance ?? null,
    sealedDnsCredentials: input.dnsCredentials
      ? await seal(encryptionKey, JSON.stringify(input.dnsCredentials), `${id}:dns`)
      : null,
    dnsConnectionId: input.dnsConnectionId ?? null,
    dnsDelegation: input.dnsDelegation ?? false,
    nextRenewalAt: input.nextRenewalAt ?? null,
    renewalFailures: 0,
    renewalQueuedUntil: null,
    lastRenewAttempt: input.lastRenewAttempt ?? null,
    lastRenewError: null,
    ariWindowStart: input.ari?.windowStart ?? null,
    ariWindowEnd: input.ari?.windowEnd ?? null,
    ariExplanationUrl: input.ari?.explanationUrl ?? null,
    ariRetryAt: input.ari?.retryAt ?? null,
    revokedAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * The statements (built, not run) that store `row`, only while `when` holds (a quota, say), for one D1 batch. When
 * `replacing` is given, the old row is deleted and `row` inserted under the same id: the project is never without a
 * certificate, and a failure (or `when` false) leaves the old one in place. The insert answers the id it wrote (none:
 * nothing was written). `when` must read the same before and after the delete (not counting the replaced row).
 */
export function storeCertificateStatements(db: Database, row: CertificateRow, { replacing, when }: { replacing?: string | null; when: SQL }) {
  const insert = db
    .insert(certificates)
    .select(sql`SELECT ${selectValues(certificates, row)} WHERE ${when}`)
    .returning({ id: certificates.id });
  return replacing ? [db.delete(certificates).where(and(eq(certificates.id, replacing), when)), insert] : [insert];
}

/** SQL: the row is stored as `row` has it (its key sealed with a fresh IV: no other write has it). */
export function storedAsWritten(row: Pick<CertificateRow, "id" | "sealedKey">): SQL {
  return sql`EXISTS (SELECT 1 FROM certificates WHERE id = ${row.id} AND sealed_key = ${row.sealedKey})`;
}

/**
 * Stores a certificate with its key sealed under the row's id, replacing `replacing` (keeping its id) in one D1
 * batch (one transaction). A replacement keeps the id, so a certificate's public identity survives renewal.
 */
export async function storeCertificate(
  db: Database,
  encryptionKey: string,
  input: NewCertificate,
  now: number,
  replacing?: string | null,
): Promise<CertificateRow> {
  const row = await sealedRow(encryptionKey, input, now, replacing ?? newId("cert"));
  const [first, ...rest] = storeCertificateStatements(db, row, { replacing, when: sql`1` });
  await db.batch([first!, ...rest]);
  return row;
}

/**
 * Stores an issued certificate only if `condition` still holds at the moment of writing, in one
 * statement: over the row `over` (keeping its id) when that row is unchanged since it was read, or as a
 * new row when `over` is null (for a project, only while the project has no certificate). Null when
 * nothing was written: the newer state stays as it is.
 */
export async function storeCertificateIf(
  db: Database,
  encryptionKey: string,
  input: NewCertificate,
  now: number,
  { over, condition }: { over: RowVersion | null; condition: SQL },
): Promise<CertificateRow | null> {
  const row = await sealedRow(encryptionKey, input, now, over?.id ?? newId("cert"));
  if (over) {
    const { id: _id, ...changes } = row;
    const updated = await db
      .update(certificates)
      .set({ ...changes, updatedAt: nextVersionTime(over, now) })
      .where(and(unchangedSince(over), condition))
      .returning({ id: certificates.id });
    return updated.length > 0 ? { ...row, updatedAt: nextVersionTime(over, now) } : null;
  }
  const free = input.projectId === null ? sql`1` : sql`NOT EXISTS (SELECT 1 FROM certificates WHERE project_id = ${input.projectId})`;
  const inserted = await db
    .insert(certificates)
    .select(sql`SELECT ${selectValues(certificates, row)} WHERE ${free} AND ${condition}`)
    .returning({ id: certificates.id });
  return inserted.length > 0 ? row : null;
}
