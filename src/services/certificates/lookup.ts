/** Reading and removing an owner's certificates; what belongs to someone else answers as if it did not exist. */
import { and, eq, exists } from "drizzle-orm";
import type { Database } from "../../db/client";
import { certificates } from "../../db/schema";
import { AppError } from "../../core/errors";
import type { CertificateRow } from "../../store/certificates";
import type { CommitChange } from "../change";
import { type Owner, type ProjectOwner, ownedBy } from "./owner";

/** The project's certificate, or null when it has none. */
export async function certificateOf(db: Database, owner: ProjectOwner): Promise<CertificateRow | null> {
  return (await db.query.certificates.findFirst({ where: ownedBy(owner) })) ?? null;
}

/** The project's certificate, or 404. */
export async function requireCertificateOf(db: Database, owner: ProjectOwner): Promise<CertificateRow> {
  const row = await certificateOf(db, owner);
  if (!row) throw new AppError("not_found", "Project has no certificate");
  return row;
}

/** The owner's certificate `id`, or 404. */
export async function getOwnedCertificate(db: Database, owner: Owner, id: string): Promise<CertificateRow> {
  const row = await db.query.certificates.findFirst({ where: and(ownedBy(owner), eq(certificates.id, id)) });
  if (!row) throw new AppError("not_found", `Certificate ${id} not found`);
  return row;
}

/**
 * Removes the owner's certificate `id` with its audit row (`commit`), or 404; the check and the delete are one
 * statement, and the row is recorded only where there was a certificate to delete. Answers the row removed.
 */
export async function deleteOwnedCertificate(db: Database, owner: Owner, id: string, commit: CommitChange): Promise<CertificateRow> {
  const mine = and(ownedBy(owner), eq(certificates.id, id));
  const there = exists(db.select({ id: certificates.id }).from(certificates).where(mine));
  const [[deleted]] = (await commit({
    teamId: owner.teamId,
    statements: [db.delete(certificates).where(mine).returning()],
    target: id,
    recordIf: { holds: there, checked: "before" },
  })) as [CertificateRow[]];
  if (!deleted) throw new AppError("not_found", `Certificate ${id} not found`);
  return deleted;
}
