/** A project's custom certificate (native API): checked against the project's domain and the team's names, then stored in place of the one it had. */
import type { Database } from "../../db/client";
import type { CertificateLimits } from "../limits/certificate-quota";
import { requireNameLimit } from "../limits/san-list";
import { projectHasNoDomain } from "../../core/errors";
import { type CertificateCheckInput, type CheckedCertificate, checkCertificate, domainFailure, withFailure } from "../../pki";
import type { CertificateRow } from "../../store/certificates";
import type { CommitChange } from "../change";
import { type ProjectRow, getProject, getProjectWithUnheldName } from "../projects";
import { certificateOf } from "./lookup";
import { projectOwner } from "./owner";
import { storeUploadedCertificate } from "./store-uploaded";
import { EVERY_CHECK, type NameHolder, admitCertificate, failedWith, namesRuleError, unverifiedNameError } from "./validation-gate";

export interface CustomCertificateInput {
  certificate: string;
  privateKey: string;
}

/** Every check, against the project's domain; a project without a domain has nothing to check against. */
function projectCheck(project: ProjectRow, input: CustomCertificateInput, now: number): CertificateCheckInput {
  if (!project.domain) throw projectHasNoDomain(project.id);
  return { certificatePem: input.certificate, privateKeyPem: input.privateKey, domain: project.domain, now: new Date(now) };
}

/** The native API's request field that carries the certificate (an error's `param`). */
const CERTIFICATE_FIELD = "certificate";

/** Every name must be the project's team's. */
function holderOf(db: Database, project: ProjectRow): NameHolder {
  return { db, teamId: project.teamId, param: CERTIFICATE_FIELD };
}

/**
 * Runs every check, the names rule included, and stores nothing; the report says valid or why not. The certificate is
 * read first, so that the project and the names it carries are one D1 statement (getProjectWithUnheldName); the
 * domain rule, the last check, is applied once the project is known. The answers keep their order: another team's
 * project is 404 and a project without a domain is refused before malformed input is, or a certificate with more
 * names than any upload stores (a 400, not a report: nothing could ever store it).
 */
export async function validateForProject(db: Database, teamId: string, projectId: string, input: CustomCertificateInput, now: number): Promise<CheckedCertificate> {
  let checked: CheckedCertificate;
  try {
    checked = await checkCertificate({ certificatePem: input.certificate, privateKeyPem: input.privateKey, now: new Date(now) });
    requireNameLimit(checked.report.names, CERTIFICATE_FIELD);
  } catch (refused) {
    projectCheck(await getProject(db, teamId, projectId), input, now);
    throw refused;
  }
  const { project, unheld } = await getProjectWithUnheldName(db, teamId, projectId, checked.report.names);
  const domain = projectCheck(project, input, now).domain;
  const judged = { ...checked, report: withFailure(checked.report, domainFailure(checked.report.names, domain)) };
  const unverified = await unverifiedNameError(holderOf(db, project), unheld);
  return failedWith(judged, unverified ?? namesRuleError(CERTIFICATE_FIELD, checked.report.names, unheld));
}

/**
 * Passes every check, then becomes the project's `custom` certificate. The previous one is replaced
 * only once the new one is fully validated and stored (one D1 batch, with its audit row: `commit`).
 */
export async function uploadForProject(
  db: Database,
  encryptionKey: string,
  project: ProjectRow,
  input: CustomCertificateInput,
  now: number,
  commit: CommitChange,
  limits?: CertificateLimits,
): Promise<{ row: CertificateRow; warnings: string[] }> {
  const store = async (checked: CheckedCertificate) => {
    const owner = projectOwner(project);
    const previous = await certificateOf(db, owner);
    const placement = { domain: project.domain!, replacing: previous?.id };
    const row = await storeUploadedCertificate(db, encryptionKey, owner, checked, placement, now, commit, limits);
    return { row, warnings: checked.report.warnings };
  };
  return await admitCertificate(projectCheck(project, input, now), EVERY_CHECK, store, holderOf(db, project));
}
