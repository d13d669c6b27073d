/** Validating and uploading certificates a team bought elsewhere (type `custom`). */
import type { Database } from "../db/client";
import { AppError } from "../core/errors";
import { checkCertificate, type CheckedCertificate } from "../pki";
import { certificateOfProject, materialOf, storeCertificate } from "../store/certificates";
import type { ProjectRow } from "./projects";

export interface CustomCertificateInput {
  certificate: string;
  privateKey: string;
}

function requireDomain(project: ProjectRow): string {
  if (!project.domain) throw new AppError("domain_not_configured", "Project has no domain configured");
  return project.domain;
}

/** Runs every check against the project's domain; the report says valid or why not. */
export async function validateForProject(project: ProjectRow, input: CustomCertificateInput, now: number): Promise<CheckedCertificate> {
  return await checkCertificate({
    certificatePem: input.certificate,
    privateKeyPem: input.privateKey,
    domain: requireDomain(project),
    now: new Date(now),
  });
}

/**
 * Validates, then stores the certificate as the project's `custom` certificate. The previous one is
 * replaced only once the new one is fully validated and stored (one D1 batch).
 */
export async function uploadForProject(
  db: Database,
  encryptionKey: string,
  project: ProjectRow,
  input: CustomCertificateInput,
  now: number,
) {
  const checked = await validateForProject(project, input, now);
  const { report } = checked;
  if (!report.valid) {
    throw new AppError(report.errorCode ?? "invalid_certificate", report.error ?? "Certificate is not valid");
  }
  const previous = await certificateOfProject(db, project.teamId, project.id);
  const row = await storeCertificate(
    db,
    encryptionKey,
    {
      teamId: project.teamId,
      projectId: project.id,
      type: "custom",
      domain: project.domain!,
      ...materialOf(checked),
      // A bought certificate is renewed by uploading its successor, never automatically.
      autoRenew: false,
    },
    now,
    previous?.id,
  );
  return { row, warnings: report.warnings };
}
