/**
 * What a renewal that stored no certificate writes on the row it started from: a failure and its
 * backoff, or the stop after a name was released. Each write is conditional on that row being
 * unchanged, so nothing is recorded over a newer one (deleted, replaced by an upload, autoRenew switched).
 */
import type { AppError } from "../core/errors";
import type { Database } from "../db/client";
import { certificates } from "../db/schema";
import { MAX_CHALLENGE_FAILURES, nextRetryAt } from "../renewal/backoff";
import { type CertificateRow, nextVersionTime, unchangedSince } from "../store/certificates";

/** The old certificate stays in place; the row says what went wrong and when the next try is (renewal/backoff). */
export async function recordRenewalFailure(db: Database, row: CertificateRow, error: AppError, permanentError: boolean, now: number): Promise<void> {
  const failures = row.renewalFailures + 1;
  const permanent = permanentError || (error.code === "challenge_failed" && failures >= MAX_CHALLENGE_FAILURES);
  await db
    .update(certificates)
    .set({
      lastRenewAttempt: now,
      lastRenewError: permanent ? `${error.message} (automatic renewal stopped: this will not succeed by retrying)` : error.message,
      renewalFailures: failures,
      nextRenewalAt: permanent ? null : nextRetryAt({ failures, now, expiresAt: row.expiresAt, ...(error.retryAfter !== undefined ? { retryAfterSeconds: error.retryAfter } : {}) }),
      updatedAt: nextVersionTime(row, now),
    })
    .where(unchangedSince(row));
}

/**
 * A manual renewal of a certificate that was not due failed: the row says what went wrong and when, and nothing else
 * moves. Its schedule (`nextRenewalAt`) and failure count belong to automatic renewal, which has not failed: a retry
 * time would pull a renewal forward that nothing asked for (or switch one on where autoRenew is off), and the count
 * would lengthen the backoff, or stop renewal, of the renewal still to come.
 */
export async function recordManualRenewalFailure(db: Database, row: CertificateRow, error: AppError, now: number): Promise<void> {
  await db
    .update(certificates)
    .set({ lastRenewAttempt: now, lastRenewError: error.message, updatedAt: nextVersionTime(row, now) })
    .where(unchangedSince(row));
}

/**
 * The renewal waits (the CA's order budget is spent until `retryAt`): the next try moves there, the reason is shown,
 * and the failure count stays as it was, since nothing failed.
 */
export async function deferRenewal(db: Database, row: CertificateRow, reason: string, retryAt: number, now: number): Promise<void> {
  await db
    .update(certificates)
    .set({ lastRenewError: reason, nextRenewalAt: retryAt, updatedAt: nextVersionTime(row, now) })
    .where(unchangedSince(row));
}

/** Automatic renewal off, with the reason: the owner gave up one of the certificate's names. */
export async function stopRenewal(db: Database, row: CertificateRow, reason: string, now: number): Promise<void> {
  await db
    .update(certificates)
    .set({ autoRenew: false, nextRenewalAt: null, lastRenewAttempt: now, lastRenewError: reason, updatedAt: nextVersionTime(row, now) })
    .where(unchangedSince(row));
}

