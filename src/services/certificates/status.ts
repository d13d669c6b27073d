/** Where a stored certificate stands: valid, expiring soon, expired or revoked. */
import { isExpiringSoon } from "../../renewal/expiry";
import type { CertificateRow } from "../../store/certificates";

export type CertificateStatus = "valid" | "expiring_soon" | "expired" | "revoked";

export function certificateStatus(row: CertificateRow, now: number): CertificateStatus {
  if (row.state === "revoked") return "revoked";
  if (row.expiresAt <= now) return "expired";
  if (isExpiringSoon(row.issuedAt, row.expiresAt, now)) return "expiring_soon";
  return "valid";
}
