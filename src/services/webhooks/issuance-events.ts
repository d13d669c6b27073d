/**
 * The events of an issuance job, announced by the certificate's issuer when the job ends: `certificate.issued` for an
 * obtain, `certificate.renewed` for a renewal, `certificate.renewal_failed` for a renewal that failed (the current
 * certificate stays; its next try is in `nextRenewalAt`, null when automatic renewal stopped). Never throws.
 */
import { and, eq } from "drizzle-orm";
import { isoSeconds } from "../../core/time";
import { certificates } from "../../db/schema";
import type { IssueOutcome, IssueRequest } from "../../issuance/issue-request";
import type { Deps } from "../deps";
import { emitCertificateEvent } from "./emit";

export async function announceIssuance(deps: Deps, request: IssueRequest, outcome: IssueOutcome): Promise<void> {
  try {
    if (request.dryRun) return;
    if (outcome.state === "issued") {
      const row = await deps.db.query.certificates.findFirst({ where: eq(certificates.id, outcome.certificateId) });
      if (row) await emitCertificateEvent(deps, request.kind === "renew" ? "certificate.renewed" : "certificate.issued", row);
      return;
    }
    if (outcome.state === "failed" && request.kind === "renew" && request.certificateId) {
      const row = await deps.db.query.certificates.findFirst({ where: and(eq(certificates.id, request.certificateId), eq(certificates.teamId, request.teamId)) });
      if (!row) return;
      const nextRenewalAt = row.nextRenewalAt === null ? null : isoSeconds(row.nextRenewalAt);
      await emitCertificateEvent(deps, "certificate.renewal_failed", row, { error: outcome.error.message, nextRenewalAt, trigger: request.trigger ?? "manual" });
    }
  } catch (error) {
    console.error(`webhooks: issuance events for ${request.names.join(",")} not recorded: ${error instanceof Error ? error.name : typeof error}`);
  }
}
