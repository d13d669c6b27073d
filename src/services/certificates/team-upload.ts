/** A team-level certificate uploaded through Vercel's `PUT /v8/certs`: through the gate (names the team holds included), then stored. */
import type { Database } from "../../db/client";
import type { CertificateLimits } from "../limits/certificate-quota";
import type { CheckedCertificate } from "../../pki";
import type { CertificateRow } from "../../store/certificates";
import type { CommitChange } from "../change";
import { teamOwner } from "./owner";
import { type PemUpload, readPemUpload } from "./pem-upload";
import { intermediatesFrom } from "./served-chain";
import { storeUploadedCertificate } from "./store-uploaded";
import { admitCertificate } from "./validation-gate";

/**
 * Passes the gate (with the upload's `skipValidation`: dates, chain and key strength), then is
 * stored for the team with the chain it serves, completed from `ca` (intermediates, maybe the root), and its audit row.
 */
export async function uploadTeamCertificate(
  db: Database,
  encryptionKey: string,
  teamId: string,
  input: PemUpload,
  now: number,
  commit: CommitChange,
  limits?: CertificateLimits,
): Promise<CertificateRow> {
  const { check, policy, ca } = readPemUpload(input, "serverAuth", now);
  const store = async (checked: CheckedCertificate) => {
    const chainPem = checked.chainPem + (ca ? intermediatesFrom(ca, checked.leafPem + checked.chainPem) : "");
    return await storeUploadedCertificate(db, encryptionKey, teamOwner(teamId), checked, { domain: checked.report.names[0]!, chainPem }, now, commit, limits);
  };
  // The gate's names rule: every name the certificate presents is one the team holds.
  return await admitCertificate(check, policy, store, { db, teamId, param: "cert" });
}
