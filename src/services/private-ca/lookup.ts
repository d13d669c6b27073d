/** Finding a team's CA and its certificates: another team's is a 404, as if it did not exist. */
import { AppError } from "../../core/errors";
import type { Database } from "../../db/client";
import { type CertificateAuthorityRow, findTeamCa } from "../../store/certificate-authorities";
import { type PrivateCertificateRow, findPrivateCertificate } from "../../store/private-certificates";

export async function requireTeamCa(db: Database, teamId: string, id: string, param?: string): Promise<CertificateAuthorityRow> {
  const row = await findTeamCa(db, teamId, id);
  if (!row) throw new AppError("not_found", `CA ${id} not found`, param ? { param } : {});
  return row;
}

export async function requireCaCertificate(db: Database, ca: CertificateAuthorityRow, id: string): Promise<PrivateCertificateRow> {
  const row = await findPrivateCertificate(db, ca.id, id);
  if (!row) throw new AppError("not_found", `Certificate ${id} of CA ${ca.id} not found`);
  return row;
}
