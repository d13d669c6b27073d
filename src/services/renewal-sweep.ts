/**
 * The cron's renewal sweep: claims the certificates due (teams in turn) page by page and puts them on the renewal
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

/** Rows claimed per D1 statement. */
const PAGE_SIZE = 500;
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

/** Puts every certificate due at `asOf` (at most `limit`, teams in turn) on the renewal queue. */
export async function sweepDueCertificates(deps: Deps, asOf: number, limit: number = deps.config.RENEWALS_PER_TICK): Promise<SweepResult> {
  const ids: string[] = [];
  let due = 0;
  let failed = 0;
  while (due < limit) {
    const want = Math.min(PAGE_SIZE, limit - due);
    const page = inTurns(await claimDueInTurns(deps.db, asOf, want, asOf + RENEWAL_CLAIM_MS).then(ensureDueTimes));
    due += page.length;
    for (let i = 0; i < page.length; i += SEND_BATCH) {
      const chunk = page.slice(i, i + SEND_BATCH);
      try {
        await deps.renewalQueue.sendBatch(chunk.map(({ id, teamId }) => ({ body: { certificateId: id, teamId, asOf } satisfies RenewalMessage })));
        ids.push(...chunk.map((row) => row.id));
      } catch (error) {
        // The queue is refusing: give back this chunk and the rest of the page, and end the tick.
        const unsent = page.slice(i).map((row) => row.id);
        failed += unsent.length;
        await releaseClaims(deps.db, unsent);
        console.error(`renewal sweep: the queue refused ${unsent.length} messages (${error instanceof Error ? error.message : String(error)})`);
        return { due, enqueued: ids.length, failed, ids };
      }
    }
    if (page.length < want) break;
  }
  return { due, enqueued: ids.length, failed, ids };
}

/** Claimed rows are due, so their next renewal is set (the claim's query guarantees it; the type does not). */
function ensureDueTimes(rows: { id: string; teamId: string; nextRenewalAt: number | null }[]) {
  return rows.map((row) => ({ ...row, nextRenewalAt: row.nextRenewalAt ?? 0 }));
}
