/** An uploaded certificate, once admitted, as its owner's `custom` row. */
import type { Database } from "../../db/client";
import { LIMIT_DEFAULTS } from "../../core/config";
import { type CertificateLimits, requireCertificateRoom, storedCertificateBytes } from "../limits/certificate-quota";
import type { CheckedCertificate } from "../../pki";
import { CUSTOM_TYPE } from "../../store/certificate-type";
import { type CertificateRow, materialOf, storeCertificate } from "../../store/certificates";
import { type Owner, ownerColumns } from "./owner";

export interface Placement {
  /** The primary name the row is listed under. */
  domain: string;
  /** The intermediates served after the leaf, when more than the upload's own (default: the upload's). */
  chainPem?: string;
  /** The row it replaces, in the same D1 batch, keeping that row's id. */
  replacing?: string | null;
}

export async function storeUploadedCertificate(
  db: Database,
  encryptionKey: string,
  owner: Owner,
  checked: CheckedCertificate,
  placement: Placement,
  now: number,
  limits: CertificateLimits = LIMIT_DEFAULTS,
): Promise<CertificateRow> {
  // Fair use: a team's certificates are bounded in number and in stored bytes.
  await requireCertificateRoom(db, limits, owner.teamId, storedCertificateBytes(checked), placement.replacing);
  const material = materialOf(checked);
  return await storeCertificate(
    db,
    encryptionKey,
    {
      ...ownerColumns(owner),
      type: CUSTOM_TYPE,
      domain: placement.domain,
      ...material,
      chainPem: placement.chainPem ?? material.chainPem,
      // Bought elsewhere: renewed by uploading its successor, never automatically.
      autoRenew: false,
    },
    now,
    placement.replacing,
  );
}
