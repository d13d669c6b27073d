/** A project's custom certificate (native API): checked against the project's domain and the team's names, then stored in place of the one it had. */
import type { Database } from "../../db/client";
import type { CertificateLimits } from "../limits/certificate-quota";
import { AppError } from "../../core/errors";
import type { CertificateCheckInput, CheckedCertificate } from "../../pki";
import type { CertificateRow } from "../../store/certificates";
import type { ProjectRow } from "../projects";
import { certificateOf } from "./lookup";
import { projectOwner } from "./owner";
import { storeUploadedCertificate } from "./store-uploaded";
import { EVERY_CHECK, type NameHolder, admitCertificate, checkForTeam } from "./validation-gate";

export interface CustomCertificateInput {
  certificate: string;
  privateKey: string;
}

/** Every check, against the project's domain; a project without a domain has nothing to check against. */
function projectCheck(project: ProjectRow, input: CustomCertificateInput, now: number): CertificateCheckInput {
  if (!project.domain) throw new AppError("domain_not_configured", "Project has no domain configured");
  return { certificatePem: input.certificate, privateKeyPem: input.privateKey, domain: project.domain, now: new Date(now) };
}

/** Every name must be the project's team's (the native field is `certificate`). */
function holderOf(db: Database, project: ProjectRow): NameHolder {
  return { db, teamId: project.teamId, param: "certificate" };
}

/** Runs every check, the names rule included, and stores nothing; the report says valid or why not. */
export async function validateForProject(db: Database, project: ProjectRow, input: CustomCertificateInput, now: number): Promise<CheckedCertificate> {
  return await checkForTeam(holderOf(db, project), projectCheck(project, input, now));
}

/**
 * Passes every check, then becomes the project's `custom` certificate. The previous one is replaced
 * only once the new one is fully validated and stored (one D1 batch).
 */
export async function uploadForProject(
  db: Database,
  encryptionKey: string,
  project: ProjectRow,
  input: CustomCertificateInput,
  now: number,
  limits?: CertificateLimits,
): Promise<{ row: CertificateRow; warnings: string[] }> {
  const store = async (checked: CheckedCertificate) => {
    const owner = projectOwner(project);
    const previous = await certificateOf(db, owner);
    const row = await storeUploadedCertificate(db, encryptionKey, owner, checked, { domain: project.domain!, replacing: previous?.id }, now, limits);
    return { row, warnings: checked.report.warnings };
  };
  return await admitCertificate(projectCheck(project, input, now), EVERY_CHECK, store, holderOf(db, project));
}
