/** Where a CA's public routes are (routes/pki.ts): written into the certificates it signs, so fixed at its creation. */
import type { CertificateAuthorityRow } from "../../store/certificate-authorities";

export function crlUrlOf(ca: Pick<CertificateAuthorityRow, "id" | "publicOrigin">): string {
  return `${ca.publicOrigin}/pki/${ca.id}/crl`;
}

export function caCertificateUrlOf(ca: Pick<CertificateAuthorityRow, "id" | "publicOrigin">): string {
  return `${ca.publicOrigin}/pki/${ca.id}/ca.crt`;
}
