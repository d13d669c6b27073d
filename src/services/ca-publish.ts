/**
 * Publishing a team's CA to its OpenAI-style organization certificate store (`/v1/organization/certificates`), active,
 * in one call: the CA's own certificate (not its chain), so that what trusts the organization's store trusts the
 * client certificates the CA issues.
 */
import { and, eq } from "drizzle-orm";
import { AppError } from "../core/errors";
import type { Database } from "../db/client";
import { organizationCertificates } from "../db/schema";
import type { CommitChange } from "./change";
import { type OrganizationCertificateLimits, type OrganizationCertificateRow, createOrganizationCertificate, parseOrganizationCertificate } from "./organization-certificates";
import { requireTeamCa } from "./private-ca/lookup";

/**
 * Stores the CA's certificate, named after the CA and active for the organization, with its audit row (`commit`),
 * within the store's limits (a 409 past them). Already in the store (published or uploaded): a 409 naming the entry,
 * since two entries of one certificate could only be told apart by their ids.
 */
export async function publishCaToOrganization(
  db: Database,
  teamId: string,
  caId: string,
  now: number,
  commit: CommitChange,
  limits?: OrganizationCertificateLimits,
): Promise<OrganizationCertificateRow> {
  const ca = await requireTeamCa(db, teamId, caId);
  const pem = ca.certificatePem.trim();
  // Compared as the store keeps it: re-encoded by the same parse.
  const { contentPem } = parseOrganizationCertificate(pem);
  const there = await db.query.organizationCertificates.findFirst({
    where: and(eq(organizationCertificates.teamId, teamId), eq(organizationCertificates.contentPem, contentPem)),
    columns: { id: true },
  });
  if (there) {
    throw new AppError("conflict", `CA ${ca.id}'s certificate is already in the organization's store as ${there.id}; activate that one`);
  }
  return createOrganizationCertificate(db, teamId, { pem, name: ca.name, activeInOrganization: true, detail: { caId: ca.id } }, now, commit, limits);
}
