/** A team-level certificate uploaded through Vercel's `PUT /v8/certs`: checked, limited to names the team holds, stored. */
import type { Database } from "../../db/client";
import { AppError } from "../../core/errors";
import type { CertificateRow } from "../../store/certificates";
import { teamHoldsDomain } from "../projects";
import { teamOwner } from "./owner";
import { type PemUpload, readPemUpload } from "./pem-upload";
import { intermediatesFrom } from "./served-chain";
import { storeUploadedCertificate } from "./store-uploaded";
import { admitCertificate } from "./validation-gate";

/**
 * Every name the certificate presents must be a domain the team holds (claimed by one of its
 * projects), so that no team can serve a certificate for another team's name.
 */
async function requireHeldNames(db: Database, teamId: string, names: string[]): Promise<void> {
  if (names.length === 0) {
    throw new AppError("invalid_certificate", "Certificate names no DNS host (no subjectAltName dNSName and no subject CN)", {
      param: "cert",
    });
  }
  for (const name of names) {
    if (!(await teamHoldsDomain(db, teamId, name))) {
      throw new AppError(
        "domain_not_configured",
        `The team does not hold ${name}: add the domain to one of the team's projects before uploading a certificate for it`,
        { param: "cert" },
      );
    }
  }
}

/**
 * Passes the gate (with the upload's `skipValidation`: dates, chain and key strength), then is
 * stored for the team with the chain it serves, completed from `ca` (intermediates, maybe the root).
 */
export async function uploadTeamCertificate(
  db: Database,
  encryptionKey: string,
  teamId: string,
  input: PemUpload,
  now: number,
): Promise<CertificateRow> {
  const { check, policy, ca } = readPemUpload(input, "serverAuth", now);
  return await admitCertificate(check, policy, async (checked) => {
    const { names } = checked.report;
    await requireHeldNames(db, teamId, names);
    const chainPem = checked.chainPem + (ca ? intermediatesFrom(ca, checked.leafPem + checked.chainPem) : "");
    return await storeUploadedCertificate(db, encryptionKey, teamOwner(teamId), checked, { domain: names[0]!, chainPem }, now);
  });
}
