/** What kind of certificate a stored row is: ACME-issued (stored, and shown on the wire, as "letsencrypt") or uploaded ("custom"). */
import type { CertificateType } from "../db/schema";

/**
 * The stored `type` of every ACME certificate, whichever CA issued it. The value is kept as it is
 * because the native API shows it on the wire and existing rows carry it.
 */
export const ACME_TYPE = "letsencrypt" satisfies CertificateType;

/** The stored `type` of a certificate someone uploaded (bought elsewhere, or self-signed). */
export const CUSTOM_TYPE = "custom" satisfies CertificateType;

/** Whether the row was issued over ACME here, and so can be renewed and revoked from here. */
export function isAcmeCertificate(row: { type: CertificateType }): boolean {
  return row.type === ACME_TYPE;
}
