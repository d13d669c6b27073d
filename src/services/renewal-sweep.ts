/**
 * The cron's renewal sweep: claims the certificates due (teams in turn) in one statement and puts them on the renewal
 * queue, whose consumer (renewal-queue.ts) renews them. The tick itself does no renewal, so what it can hand out
 * does not depend on how long renewals take.
 */
import { HOUR_MS } from "../core/time";
import { inTurns } from "../renewal/turns";
import { claimDueInTurns, releaseClaims } from "../store/renewal-claims";
import type { Deps } from "./deps";
import type { RenewalMessage } from "./renewal-message";

/**
 * How long a claim keeps a row off later ticks: longer than a message can spend on the queue (5 retries a minute
 * apart) and in its consumer (one issuance job, 5 minutes), so a row is not sent twice; short enough that a lost
 * message delays its renewal by two hours at most.
 */
export const RENEWAL_CLAIM_MS = 2 * HOUR_MS;

/** Queue.sendBatch takes at most 100 messages (https://developers.cloudflare.com/queues/platform/limits/). */
const SEND_BATCH = 100;

export interface SweepResult {
  /** Certificates claimed (due and not yet on the queue), at most the tick's limit. */
  due: number;
  /** Put on the renewal queue. */
  enqueued: number;
  /** Claimed but not sent (the queue refused): given back, found again next tick. */
  failed: number;
  /** The enqueued ids, in the order the queue got them. */
  ids: string[];
}

/**
 * Puts every certificate due at `asOf` (at most `limit`, teams in turn) on the renewal queue. The whole tick is claimed
 * by one statement: each claim statement reads every due, unclaimed row (store/renewal-claims.ts), so claiming in
 * pages would read the backlog once per page. Then the claimed rows are sent in the claim's order, 100 per sendBatch.
 */
export async function sweepDueCertificates(deps: Deps, asOf: number, limit: number = deps.config.RENEWALS_PER_TICK): Promise<SweepResult> {
  const claimed = inTurns(ensureDueTimes(await claimDueInTurns(deps.db, asOf, limit, asOf + RENEWAL_CLAIM_MS)));
  const ids: string[] = [];
  const unsent: string[] = [];
  let refusals = 0;
  let firstRefusal: unknown;
  let refusedLast = false;
  for (let i = 0; i < claimed.length; i += SEND_BATCH) {
    const chunk = claimed.slice(i, i + SEND_BATCH);
    try {
      await deps.renewalQueue.sendBatch(chunk.map(({ id, teamId }) => ({ body: { certificateId: id, teamId, asOf } satisfies RenewalMessage })));
      ids.push(...chunk.map((row) => row.id));
      refusedLast = false;
    } catch (error) {
      // One refusal gives back this chunk's claims (below) and the tick goes on; two in a row mean the queue is down,
      // so the rest is given back unsent rather than offered 40 times.
      refusals++;
      firstRefusal ??= error;
      if (refusedLast) {
        unsent.push(...claimed.slice(i).map((row) => row.id));
        break;
      }
      unsent.push(...chunk.map((row) => row.id));
      refusedLast = true;
    }
  }
  if (unsent.length > 0) {
    // Given back together, in one D1 batch, however many sends were refused.
    await releaseClaims(deps.db, unsent);
    const why = firstRefusal instanceof Error ? firstRefusal.message : String(firstRefusal);
    console.error(`renewal sweep: the queue refused ${unsent.length} of ${claimed.length} messages in ${refusals} of its sends (first: ${why})`);
  }
  return { due: claimed.length, enqueued: ids.length, failed: unsent.length, ids };
}

/** Claimed rows are due, so their next renewal is set (the claim's query guarantees it; the type does not). */
function ensureDueTimes(rows: { id: string; teamId: string; nextRenewalAt: number | null }[]) {
  return rows.map((row) => ({ ...row, nextRenewalAt: row.nextRenewalAt ?? 0 }));
}
