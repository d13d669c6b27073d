/**
 * Publishing a CA to the team's OpenAI-style organization certificate store (`/v1/organization/certificates`): the
 * CA's own certificate (not its chain), active for the organization, in one statement with its audit row, under the
 * store's count and byte quotas (services/organization-certificates.ts).
 */
import type { Database } from "../../db/client";
import type { CertificateAuthorityRow } from "../../store/certificate-authorities";
import type { CommitChange } from "../change";
import { type OrganizationCertificateLimits, type OrganizationCertificateRow, createOrganizationCertificate } from "../organization-certificates";

export async function publishCaToOrganization(
  db: Database,
  ca: CertificateAuthorityRow,
  now: number,
  commit: CommitChange,
  limits: OrganizationCertificateLimits,
): Promise<OrganizationCertificateRow> {
  return createOrganizationCertificate(db, ca.teamId, { pem: ca.certificatePem, name: ca.name, activeInOrganization: true }, now, commit, limits);
}
