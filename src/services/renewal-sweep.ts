/** The cron renewal sweep: due certificates taken round-robin across teams, handed to their issuers in a bounded batch. */
import { and, asc, getTableColumns, isNotNull, lte, sql } from "drizzle-orm";
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
 * The due rows a tick takes, in turns: each team's most overdue certificate first, then each team's second, and
 * so on (ROW_NUMBER() OVER (PARTITION BY team_id …), SQLite window functions). A team with a thousand due
 * certificates gets one place per turn like a team with one, so its backlog cannot hold back another team's
 * renewals; within a turn, the most overdue go first. Only due rows are read, through the partial index on
 * next_renewal_at, so the cost follows the number due, not the number stored.
 */
export function dueInTurns(deps: Deps, asOf: number, batchSize: number) {
  const { db } = deps;
  const ranked = db
    .select({
      ...getTableColumns(certificates),
      turn: sql<number>`row_number() over (partition by ${certificates.teamId} order by ${certificates.nextRenewalAt}, ${certificates.id})`.as("turn"),
    })
    .from(certificates)
    .where(and(isNotNull(certificates.nextRenewalAt), lte(certificates.nextRenewalAt, asOf)))
    .as("ranked");
  // No team can have more than batchSize rows in one batch: bounding the turn keeps the sort small.
  return db
    .select()
    .from(ranked)
    .where(lte(ranked.turn, batchSize))
    .orderBy(asc(ranked.turn), asc(ranked.nextRenewalAt), asc(ranked.id))
    .limit(batchSize);
}

/** Hands each certificate due at `asOf` (at most `batchSize`, teams in turn) to its issuer, which re-checks under its lock. */
export async function sweepDueCertificates(deps: Deps, asOf: number, batchSize = DEFAULT_SWEEP_BATCH): Promise<SweepResult> {
  const due = (await dueInTurns(deps, asOf, batchSize)).map(({ turn: _turn, ...row }) => row);
  const results = await Promise.allSettled(due.map((row) => renewAcmeCertificate(deps, row, { trigger: "sweep", asOf })));
  const failed = results.filter((r) => r.status === "rejected").length;
  if (failed > 0) console.error(`renewal sweep: ${failed} of ${due.length} hand-offs failed`);
  return { due: due.length, dispatched: due.length - failed, failed, ids: due.map((row) => row.id) };
}
