/**
 * The cron's ARI refresh: each certificate's renewal information (RFC 9773) fetched again when the CA asked
 * (RFC 9773 §4.3.2, Retry-After, bounded by renewal/ari-schedule), so a window the CA moves (for example earlier,
 * ahead of a mass revocation) moves the scheduled renewal with it. Rows are taken in turns across teams, like the
 * renewal sweep, in a bounded batch.
 */
import { type SQL, and, asc, eq, isNotNull, lte, sql } from "drizzle-orm";
import { AcmeProblem } from "../acme";
import { RenewalInfoReader } from "../acme/renewal-info";
import type { Database } from "../db/client";
import { certificates } from "../db/schema";
import { responseLimitOf } from "../outbound/bounded-body";
import { ariColumns, fitsWindow, nextAriCheckAt } from "../renewal/ari-schedule";
import { type RenewalWindow, renewalDueAt } from "../renewal/policy";
import { unchangedSince } from "../store/certificates";
import type { Deps } from "./deps";

/**
 * Certificates refreshed per tick: one GET to the CA each (plus one directory GET per CA), within the subrequests a
 * cron invocation has left after the renewal sweep. 25 per 15-minute tick re-checks 600 certificates every 6 h;
 * beyond that the oldest checks still go first and the interval stretches.
 */
export const DEFAULT_ARI_BATCH = 25;
/** Fetches at once (Workers allow 6 open connections per invocation). */
const CONCURRENCY = 4;
/** Per request: a CA that does not answer costs a tick seconds, not minutes (its transport still repeats lost answers). */
const REQUEST_TIMEOUT_MS = 10_000;

export interface AriRefreshResult {
  /** Certificates whose renewal information was due, at most the batch size. */
  due: number;
  /** Fetched and stored (the window, its explanation, the next check). */
  refreshed: number;
  /** Of those, the ones whose next renewal moved with the window. */
  moved: number;
  /** The CA gave no usable answer: the row keeps its window and is asked again later (RFC 9773 §4.3.3). */
  failed: number;
  /** Changed while the fetch ran (renewed, replaced, revoked, deleted, refreshed by another tick): nothing written. */
  stale: number;
  /** Expired or revoked: not asked about again. */
  retired: number;
  ids: string[];
}

/** What the refresh reads of a row: never the sealed key. */
const refreshColumns = {
  id: certificates.id,
  teamId: certificates.teamId,
  state: certificates.state,
  certificatePem: certificates.certificatePem,
  issuance: certificates.issuance,
  issuedAt: certificates.issuedAt,
  expiresAt: certificates.expiresAt,
  autoRenew: certificates.autoRenew,
  nextRenewalAt: certificates.nextRenewalAt,
  renewalFailures: certificates.renewalFailures,
  ariRetryAt: certificates.ariRetryAt,
  updatedAt: certificates.updatedAt,
  fingerprint: certificates.fingerprint,
};

/**
 * The rows whose renewal information is due at `asOf`, in turns across teams (each team's longest-waiting first,
 * then each team's second, …), through the partial index on ari_retry_at: the cost follows the number due.
 */
export function ariDueInTurns(db: Database, asOf: number, batchSize: number) {
  const ranked = db
    .select({
      ...refreshColumns,
      turn: sql<number>`row_number() over (partition by ${certificates.teamId} order by ${certificates.ariRetryAt}, ${certificates.id})`.as("turn"),
    })
    .from(certificates)
    .where(and(isNotNull(certificates.ariRetryAt), lte(certificates.ariRetryAt, asOf)))
    .as("ranked");
  return db.select().from(ranked).where(lte(ranked.turn, batchSize)).orderBy(asc(ranked.turn), asc(ranked.ariRetryAt), asc(ranked.id)).limit(batchSize);
}

type DueRow = Awaited<ReturnType<typeof ariDueInTurns>>[number];
type Outcome = "refreshed" | "moved" | "failed" | "stale" | "retired";

/**
 * The new next renewal for a window, or undefined to keep it. Only a renewal the policy schedules moves: not with
 * autoRenew off, not one stopped (null), not one in its failure backoff (renewal/backoff owns that time). A time that
 * still fits the window is kept; otherwise one is drawn in the new window (renewalDueAt: RFC 9773 §4.2's random point,
 * never later than the policy's last resort), so a window moved earlier pulls the renewal earlier.
 */
function rescheduled(row: DueRow, window: RenewalWindow): number | undefined {
  if (!row.autoRenew || row.state !== "active" || row.nextRenewalAt === null || row.renewalFailures > 0) return undefined;
  const certificate = { issuedAt: row.issuedAt, expiresAt: row.expiresAt };
  if (fitsWindow(row.nextRenewalAt, certificate, window)) return undefined;
  return renewalDueAt({ ...certificate, ariWindow: window });
}

function directoryUrlOf(row: DueRow): string | null {
  const url = row.issuance?.directoryUrl;
  return typeof url === "string" ? url : null;
}

/**
 * Writes `changes` only over the row as it was read, and only if no other refresh moved its next check meanwhile.
 * updated_at is left as it is: renewal information is bookkeeping about the same certificate, not a new version of
 * it, so a renewal or obtain already running over the row still stores its certificate (with that certificate's own
 * renewal information), and a revoke, opt-out or failure record still lands; each of those moves updated_at, so this
 * write, if it comes second, writes nothing.
 */
async function writeIf(db: Database, row: DueRow, changes: Partial<typeof certificates.$inferInsert>): Promise<boolean> {
  const where: SQL = and(unchangedSince(row), eq(certificates.ariRetryAt, row.ariRetryAt!))!;
  const updated = await db.update(certificates).set(changes).where(where).returning({ id: certificates.id });
  return updated.length > 0;
}

async function refreshOne(db: Database, reader: RenewalInfoReader, row: DueRow, asOf: number): Promise<Outcome> {
  const directoryUrl = directoryUrlOf(row);
  // RFC 9773 §4.3: a certificate is not asked about once it has expired; a revoked one is never renewed.
  if (row.state !== "active" || row.expiresAt <= asOf || directoryUrl === null) {
    return (await writeIf(db, row, { ariRetryAt: null })) ? "retired" : "stale";
  }
  let info;
  try {
    info = await reader.read(directoryUrl, row.certificatePem);
  } catch (error) {
    // After the transport's own repeats, a long-term error (RFC 9773 §4.3.3): the window stays, ask again later.
    const retryAfter = error instanceof AcmeProblem ? error.retryAfter : undefined;
    console.error(`ARI refresh of ${row.id} failed: ${error instanceof Error ? error.message : String(error)}`);
    return (await writeIf(db, row, { ariRetryAt: nextAriCheckAt(asOf, retryAfter) })) ? "failed" : "stale";
  }
  // The CA no longer lists renewalInfo: keep the last window, look again later.
  if (info === null) return (await writeIf(db, row, { ariRetryAt: nextAriCheckAt(asOf) })) ? "failed" : "stale";
  const ari = ariColumns(info, asOf);
  const nextRenewalAt = rescheduled(row, { start: ari.windowStart, end: ari.windowEnd });
  const written = await writeIf(db, row, {
    ariWindowStart: ari.windowStart,
    ariWindowEnd: ari.windowEnd,
    ariExplanationUrl: ari.explanationUrl,
    ariRetryAt: ari.retryAt,
    ...(nextRenewalAt !== undefined ? { nextRenewalAt } : {}),
  });
  if (!written) return "stale";
  return nextRenewalAt !== undefined ? "moved" : "refreshed";
}

/** Runs `work` over `items`, at most `limit` at a time; one item's failure does not stop the others. */
async function settleLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!).then(
        (value) => ({ status: "fulfilled", value }) as const,
        (reason: unknown) => ({ status: "rejected", reason }) as const,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/**
 * Fetches the renewal information of each certificate due at `asOf` (at most `batchSize`, teams in turn) and stores
 * it. A fetch or write that fails leaves the row to a later tick and never fails the others.
 */
export async function refreshRenewalInfo(
  deps: Pick<Deps, "db" | "config">,
  asOf: number,
  batchSize = DEFAULT_ARI_BATCH,
  reader: RenewalInfoReader = new RenewalInfoReader({ requestTimeoutMs: REQUEST_TIMEOUT_MS, responseLimitBytes: responseLimitOf(deps.config) }),
): Promise<AriRefreshResult> {
  const due = await ariDueInTurns(deps.db, asOf, batchSize);
  const settled = await settleLimited(due, CONCURRENCY, (row) => refreshOne(deps.db, reader, row, asOf));
  // A write that threw (D1 unavailable) left the row due: the next tick takes it again.
  const thrown = settled.filter((s) => s.status === "rejected").length;
  if (thrown > 0) console.error(`ARI refresh: ${thrown} of ${due.length} rows could not be written`);
  const outcomes = settled.map((s) => (s.status === "fulfilled" ? s.value : "failed"));
  const count = (...kinds: Outcome[]) => outcomes.filter((o) => kinds.includes(o)).length;
  return {
    due: due.length,
    refreshed: count("refreshed", "moved"),
    moved: count("moved"),
    failed: count("failed"),
    stale: count("stale"),
    retired: count("retired"),
    ids: due.map((row) => row.id),
  };
}
