/** Exporting a certificate's private key: opened from its seal, optionally sealed to a recipient, audited before it leaves. */
import { AppError } from "../../core/errors";
import { type RecipientJwk, sealToRecipient, summarizeRecipient } from "../../crypto/recipient-jwe";
import { type SealingKeys, unseal } from "../../crypto/sealing";
import { type CertificateRow, hasStoredKey } from "../../store/certificates";
import type { CommitChange } from "../change";

/** What an export reads of a stored certificate (a project's, a team's, or one a private CA issued with a generated key). */
export type ExportableRow = Pick<CertificateRow, "id" | "teamId" | "sealedKey" | "serial" | "fingerprint">;

/** The key as it leaves: PKCS#8 PEM, or a compact JWE when a recipient was named. */
export type ExportedKey = { sealed: false; pem: string } | { sealed: true; jwe: string };

const PKCS8_PEM = /^-----BEGIN PRIVATE KEY-----\r?\n/;

/** The stored key: sealed under ENCRYPTION_KEY with the row's id as associated data (store/certificates.ts). */
async function openStoredKey(keys: SealingKeys, row: ExportableRow): Promise<string> {
  if (!hasStoredKey(row)) throw new AppError("not_found", "Certdesk holds no key for this certificate: it was relayed for an ACME client, which kept its key");
  const pem = await unseal(keys, row.sealedKey, row.id);
  // Every store path keeps PKCS#8 (store/certificates.ts materialOf); anything else is a bug, not something to hand out.
  if (!PKCS8_PEM.test(pem)) throw new AppError("internal", "Internal server error");
  return pem;
}

/** What the audit row says: which certificate version, and to whom it was sealed; never key material. */
async function exportDetail(row: ExportableRow, recipient: RecipientJwk | undefined): Promise<Record<string, unknown>> {
  return {
    sealed: recipient !== undefined,
    recipient: recipient === undefined ? null : await summarizeRecipient(recipient),
    serial: row.serial,
    fingerprint: row.fingerprint,
  };
}

/**
 * The private key of `row`, recorded through `commit` before it is returned: if the audit row cannot be written, the
 * commit throws and nothing leaves (an export that cannot be recorded does not happen). The key is prepared first, so
 * a key that cannot be opened or sealed leaves no row claiming an export.
 */
export async function exportCertificateKey(
  keys: SealingKeys,
  row: ExportableRow,
  recipient: RecipientJwk | undefined,
  commit: CommitChange,
): Promise<ExportedKey> {
  const pem = await openStoredKey(keys, row);
  const key: ExportedKey = recipient === undefined ? { sealed: false, pem } : { sealed: true, jwe: await sealToRecipient(pem, recipient) };
  await commit({ teamId: row.teamId, statements: [], target: row.id, detail: await exportDetail(row, recipient) });
  return key;
}
