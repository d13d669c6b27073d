/** An uploaded certificate, once admitted, as its owner's `custom` row: within the team's quota, with its audit row. */
import type { Database } from "../../db/client";
import { LIMIT_DEFAULTS } from "../../core/config";
import { newId } from "../../core/ids";
import { type CertificateLimits, certificateQuotaRefusal, certificateRoom, storedCertificateBytes } from "../limits/certificate-quota";
import type { CheckedCertificate } from "../../pki";
import { CUSTOM_TYPE } from "../../store/certificate-type";
import { type CertificateRow, type NewCertificate, materialOf, sealedRow, storeCertificateStatements, storedAsWritten } from "../../store/certificates";
import type { CommitChange } from "../change";
import { type Owner, ownerColumns } from "./owner";

export interface Placement {
  /** The primary name the row is listed under. */
  domain: string;
  /** The intermediates served after the leaf, when more than the upload's own (default: the upload's). */
  chainPem?: string;
  /** The row it replaces, in the same D1 batch, keeping that row's id. */
  replacing?: string | null;
}

/** What an upload's audit row says: which certificate, never its key. */
export function uploadDetail(row: CertificateRow, replaced: boolean): Record<string, unknown> {
  return { projectId: row.projectId, names: row.names, serial: row.serial, fingerprint: row.fingerprint, replaced };
}

/**
 * Stores the certificate in one D1 batch with its audit row, only while the team stays within its quota (count and
 * bytes, `limits`): the check is part of the statements that write, so concurrent uploads at the edge cannot pass it
 * together. Over quota nothing is written (no row, no audit row, the replaced certificate stays): 409.
 */
export async function storeUploadedCertificate(
  db: Database,
  encryptionKey: string,
  owner: Owner,
  checked: CheckedCertificate,
  placement: Placement,
  now: number,
  commit: CommitChange,
  limits: CertificateLimits = LIMIT_DEFAULTS,
): Promise<CertificateRow> {
  const material = materialOf(checked);
  const input: NewCertificate = {
    ...ownerColumns(owner),
    type: CUSTOM_TYPE,
    domain: placement.domain,
    ...material,
    chainPem: placement.chainPem ?? material.chainPem,
    // Bought elsewhere: renewed by uploading its successor, never automatically.
    autoRenew: false,
  };
  // A replacement keeps the id, so a certificate's public identity survives its successor.
  const row = await sealedRow(encryptionKey, input, now, placement.replacing ?? newId("cert"));
  const bytes = storedCertificateBytes(row);
  const room = certificateRoom(limits, owner.teamId, bytes, placement.replacing);
  const results = await commit({
    teamId: owner.teamId,
    statements: storeCertificateStatements(db, row, { replacing: placement.replacing, when: room }),
    target: row.id,
    detail: uploadDetail(row, Boolean(placement.replacing)),
    recordIf: { holds: storedAsWritten(row), checked: "after" },
  });
  const inserted = results.at(-1) as unknown[];
  if (inserted.length === 0) throw await certificateQuotaRefusal(db, limits, owner.teamId, bytes, placement.replacing);
  return row;
}
