/** `GET /api/v1/certificates`: one certificate of the team's inventory, with where it stands and its renewal state. */
import { z } from "@hono/zod-openapi";
import { DAY_MS } from "../../core/time";
import { certificateStatus } from "../../services/certificates/status";
import { ACME_TYPE, CUSTOM_TYPE } from "../../store/certificate-type";
import type { CertificateRow } from "../../store/certificates";
import { certificateTime } from "./wire-time";

export const inventoryCertificateSchema = z
  .object({
    id: z.string(),
    projectId: z.string().nullable().describe("The owning project; null for a team-level certificate (Vercel `/v8/certs`)"),
    domain: z.string(),
    names: z.array(z.string()),
    type: z.enum([CUSTOM_TYPE, ACME_TYPE]).describe("`letsencrypt`: obtained over ACME here (from whichever CA); `custom`: uploaded"),
    status: z.enum(["valid", "expiring_soon", "expired", "revoked"]).describe("As `GET …/certificate/status` tells it"),
    issuer: z.string(),
    issuedAt: z.string(),
    expiresAt: z.string(),
    daysLeft: z.number().int().describe("Whole days until expiry; 0 once expired"),
    autoRenew: z.boolean(),
    nextRenewalAt: z.string().nullable().describe("When the renewal sweep next looks at it; null when it never will"),
    renewalFailures: z.number().int().describe("Renewal attempts failed in a row"),
    queuedForRenewal: z.boolean().describe("Claimed by a sweep tick and on the renewal queue now"),
    lastRenewAttempt: z.string().nullable(),
    lastRenewError: z.string().nullable(),
  })
  .openapi("InventoryCertificate");

export function inventoryCertificateView(row: CertificateRow, now: number): z.infer<typeof inventoryCertificateSchema> {
  const optionalTime = (instant: number | null) => (instant === null ? null : certificateTime(instant));
  return {
    id: row.id,
    projectId: row.projectId,
    domain: row.domain,
    names: row.names,
    type: row.type,
    status: certificateStatus(row, now),
    issuer: row.issuer,
    issuedAt: certificateTime(row.issuedAt),
    expiresAt: certificateTime(row.expiresAt),
    // The same count as the status route's daysUntilExpiry.
    daysLeft: Math.max(0, Math.floor((row.expiresAt - now) / DAY_MS)),
    autoRenew: row.autoRenew,
    nextRenewalAt: optionalTime(row.nextRenewalAt),
    renewalFailures: row.renewalFailures,
    queuedForRenewal: row.renewalQueuedUntil !== null && row.renewalQueuedUntil > now,
    lastRenewAttempt: optionalTime(row.lastRenewAttempt),
    lastRenewError: row.lastRenewError,
  };
}
