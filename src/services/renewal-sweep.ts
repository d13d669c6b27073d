/** The cron renewal sweep: due certificates, oldest first, handed to their issuers in a bounded batch. */
import { and, asc, isNotNull, lte } from "drizzle-orm";
import { certificates } from "../db/schema";
import type { Deps } from "./deps";
import { renewAcmeCertificate } from "./certificates/acme";

/**
 * Certificates handed out per tick. Each hand-off is one subrequest from the cron invocation
 * (Workers allow 50 on the free plan); the renewals themselves run inside the Durable Objects.
 */
export const DEFAULT_SWEEP_BATCH = 40;

export interface SweepResult {
  /** Certificates found due, at most the batch size. */
  due: number;
  dispatched: number;
  /** Hand-offs that failed (the certificate stays due and is found again next tick). */
  failed: number;
  ids: string[];
}

/**
 * Reads only due rows through the partial index on next_renewal_at, so its cost follows the number
 * due, not the number stored. Each issuer re-checks under its lock before ordering.
 */
export async function sweepDueCertificates(deps: Deps, asOf: number, batchSize = DEFAULT_SWEEP_BATCH): Promise<SweepResult> {
  const { db } = deps;
  const due = await db
    .select()
    .from(certificates)
    .where(and(isNotNull(certificates.nextRenewalAt), lte(certificates.nextRenewalAt, asOf)))
    .orderBy(asc(certificates.nextRenewalAt))
    .limit(batchSize);
  const results = await Promise.allSettled(due.map((row) => renewAcmeCertificate(deps, row, { trigger: "sweep", asOf })));
  const failed = results.filter((r) => r.status === "rejected").length;
  if (failed > 0) console.error(`renewal sweep: ${failed} of ${due.length} hand-offs failed`);
  return { due: due.length, dispatched: due.length - failed, failed, ids: due.map((row) => row.id) };
}
