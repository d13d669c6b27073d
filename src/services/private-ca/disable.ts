/** Disabling a CA: it issues nothing more; its CRL stays served and re-signed, and revocation still works. */
import { sql } from "drizzle-orm";
import { AppError } from "../../core/errors";
import type { Database } from "../../db/client";
import { type CertificateAuthorityRow, disableCaStatement } from "../../store/certificate-authorities";
import type { CommitChange } from "../change";

/** Disables `ca` with its audit row; an already disabled CA is answered as it is, with no row (nothing changed). */
export async function disableCa(db: Database, ca: CertificateAuthorityRow, now: number, commit: CommitChange): Promise<CertificateAuthorityRow> {
  if (ca.status === "disabled") return ca;
  const disabledNow = sql`EXISTS (SELECT 1 FROM certificate_authorities WHERE id = ${ca.id} AND status = 'disabled' AND updated_at = ${now})`;
  const statements = [disableCaStatement(db, ca.teamId, ca.id, now)];
  const change = { teamId: ca.teamId, statements, target: ca.id, detail: { name: ca.name }, recordIf: { holds: disabledNow, checked: "after" as const } };
  const [updated] = (await commit(change)) as [CertificateAuthorityRow[]];
  if (updated.length === 0) throw new AppError("conflict", `CA ${ca.id} changed meanwhile: read it again`);
  return updated[0]!;
}
