/**
 * The renewal queue's consumer: each message names one certificate the sweep found due; it is handed to the
 * certificate's issuer (its Durable Object) and the consumer waits for the outcome, so the queue's own concurrency
 * (wrangler.toml: batch size × max_concurrency) bounds how many renewals run at once. A hand-off that throws is
 * retried by the queue and ends in the dead-letter queue; a renewal that fails at the CA is recorded on the
 * certificate with its backoff (renewal/backoff.ts) and acknowledged here.
 */
import { and, eq } from "drizzle-orm";
import { AppError } from "../core/errors";
import { certificates } from "../db/schema";
import type { IssueOutcome } from "../issuance/issue-request";
import { recordRenewalFailure } from "../issuance/renewal-record";
import { JOB_BUDGET_MS } from "../issuance/run-issuance";
import { isAcmeCertificate } from "../store/certificate-type";
import { CounterTally, countRenewal } from "../store/metric-counters";
import { releaseClaim, unscheduleRenewal } from "../store/renewal-claims";
import { renewAcmeCertificate } from "./certificates/acme";
import type { Deps } from "./deps";
import { emitCertificateEvent } from "./webhooks/emit";
import type { RenewalMessage } from "./renewal-message";

export type { RenewalMessage };

/** What the consumer uses of a queue message (the runtime's `Message`). */
export interface QueuedRenewal {
  readonly body: RenewalMessage;
  readonly attempts: number;
  ack(): void;
  retry(): void;
}

/** Past one issuance job's budget the object goes on alone (its alarm resumes an evicted job) and the message is done. */
export const CONSUMER_WAIT_MS = JOB_BUDGET_MS;

/** Renews the message's certificate if it is still due, and clears its claim unless the issuer is still at it. */
export async function renewQueued(deps: Deps, message: RenewalMessage): Promise<IssueOutcome> {
  const asOf = Math.max(message.asOf, deps.clock.now());
  const row = await deps.db.query.certificates.findFirst({
    where: and(eq(certificates.id, message.certificateId), eq(certificates.teamId, message.teamId)),
  });
  if (!row) return { state: "skipped", reason: "The certificate no longer exists" };
  // Nothing the sweep can ever renew (uploaded, or revoked): off the schedule, so no later tick claims it again.
  if (!isAcmeCertificate(row) || !row.issuance || row.state === "revoked") {
    await unscheduleRenewal(deps.db, row.id);
    return { state: "skipped", reason: "Not renewable by the sweep: taken off the renewal schedule" };
  }
  // Changed since the tick (renewed by hand, renewal switched off): nothing to do. The issuer checks again under its lock.
  if (row.nextRenewalAt === null || row.nextRenewalAt > asOf) {
    await releaseClaim(deps.db, row.id);
    return { state: "skipped", reason: "Not due for renewal" };
  }
  const outcome = await renewAcmeCertificate(deps, row, { trigger: "sweep", asOf, waitMs: CONSUMER_WAIT_MS });
  if (outcome.state !== "pending") await releaseClaim(deps.db, row.id);
  return outcome;
}

/** One batch, all at once (the batch size bounds it); each message acknowledged or retried on its own. */
export async function consumeRenewals(deps: Deps, messages: readonly QueuedRenewal[]): Promise<Record<IssueOutcome["state"] | "retried", number>> {
  const tally = { issued: 0, validated: 0, pending: 0, skipped: 0, failed: 0, retried: 0 };
  await Promise.all(
    messages.map(async (message) => {
      try {
        const outcome = await renewQueued(deps, message.body);
        tally[outcome.state]++;
        if (outcome.state === "skipped") console.log(`renewal queue: ${message.body.certificateId} skipped: ${outcome.reason}`);
        message.ack();
      } catch (error) {
        // D1 or the object unreachable: the queue tries again after its retry_delay, then dead-letters it.
        tally.retried++;
        const why = error instanceof AppError ? error.message : error instanceof Error ? error.name : typeof error;
        console.error(`renewal queue: ${message.body.certificateId} not handed off (attempt ${message.attempts}): ${why}`);
        message.retry();
      }
    }),
  );
  return tally;
}

/**
 * The dead-letter queue: messages the queue gave up on. Each certificate gets a recorded failure (shown in its
 * status, with the failure schedule's next try), and its claim is cleared so that a later tick sends it again.
 */
export async function recordUndeliveredRenewals(deps: Deps, messages: readonly QueuedRenewal[]): Promise<number> {
  let recorded = 0;
  const counts = new CounterTally();
  for (const message of messages) {
    const row = await deps.db.query.certificates.findFirst({
      where: and(eq(certificates.id, message.body.certificateId), eq(certificates.teamId, message.body.teamId)),
    });
    if (row) {
      const error = new AppError("internal", "The renewal could not be handed to its issuer after repeated tries; it is tried again on the failure schedule");
      await recordRenewalFailure(deps.db, row, error, false, deps.clock.now());
      await releaseClaim(deps.db, row.id);
      countRenewal(counts, row.teamId, "sweep", { state: "undelivered" });
      await emitCertificateEvent(deps, "certificate.renewal_failed", row, { error: error.message, trigger: "sweep" });
      recorded++;
    }
    message.ack();
  }
  await counts.flush(deps.db, deps.clock.now());
  return recorded;
}
