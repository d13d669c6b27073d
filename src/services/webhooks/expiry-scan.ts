/**
 * The expiry scan (each cron tick, in sweep.ts): certificates of teams with webhook endpoints whose next expiry notice
 * (renewal/expiry-notices.ts) has come are announced as `certificate.expiring` or `certificate.expired`, and the notice
 * is remembered in the same D1 batch as the event and its outbox rows (within the team's budget, emit.ts), so each
 * notice is announced once per expiry; a renewal moves the expiry and starts the notices over. A certificate that
 * renews itself on time is not announced: its notice waits until the renewal is overdue or fails, whichever of the
 * tick's renewal sweep, the renewal queue and this scan runs first. The sweep's delivery round sends them.
 */
import type { BatchItem } from "drizzle-orm/batch";
import { DAY_MS, isoSeconds } from "../../core/time";
import type { Database } from "../../db/client";
import { expiryWarningDays } from "../../pki/expiry";
import { EXPIRED_LEVEL, expiryNoticeLevel, expiryNoticeThresholdDays, nextExpiryNoticeAt, renewalStanding } from "../../renewal/expiry-notices";
import { type ExpiryCandidate, enabledEndpointsOfTeams, expiryCandidates, upsertExpiryNoticeStatement } from "../../store/webhooks";
import type { Deps } from "../deps";
import { eventRecord, recordEventStatements } from "./emit";
import type { EventDetail } from "./events";

/** Certificates one tick looks at, at most: the rest wait for the next tick (15 minutes later), soonest expiry first. */
export const EXPIRY_SCAN_LIMIT = 500;
/** Expiries announced after the fact only this long after they happened (a team that adds an endpoint later is not told of old ones). */
export const EXPIRED_LOOKBACK_MS = 7 * DAY_MS;

export interface ExpiryScanResult {
  /** Certificates whose notice was due or not yet recorded. */
  seen: number;
  /** Notices announced (each to every endpoint that takes its event). */
  announced: number;
}

/** Statements per D1 batch: a tick's writes take a few round trips, not one per certificate. */
const BATCH_STATEMENTS = 100;

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * What a notice says: the threshold crossed and the days left (`certificate.expiring`: `thresholdDays`, `daysLeft`,
 * both fractional to two decimals, since a short lifetime's thresholds fall between whole days), and why it needs someone:
 * `reason` (renewalStanding's), the last renewal error (`error`: the failure's reason; for one overdue, what held it
 * back, e.g. the CA's order budget), the failures since the last success and the next automatic try.
 */
function noticeDetail(certificate: ExpiryCandidate, level: number, reason: string, asOf: number): EventDetail {
  const threshold = expiryNoticeThresholdDays(certificate.issuedAt, certificate.expiresAt, level);
  const days: EventDetail = threshold === null ? {} : { thresholdDays: round2(threshold), daysLeft: round2(Math.max(0, certificate.expiresAt - asOf) / DAY_MS) };
  return {
    ...days,
    reason,
    error: certificate.lastRenewError,
    renewalFailures: certificate.renewalFailures,
    nextRenewalAt: certificate.nextRenewalAt === null ? null : isoSeconds(certificate.nextRenewalAt),
  };
}

/** Announces every expiry notice due at `asOf` (at most `limit` certificates). */
export async function announceExpiries(deps: Deps, asOf: number, limit = EXPIRY_SCAN_LIMIT): Promise<ExpiryScanResult> {
  const { db, clock } = deps;
  const window = { asOf, floor: asOf - EXPIRED_LOOKBACK_MS, horizon: asOf + expiryWarningDays * DAY_MS };
  const candidates = await expiryCandidates(db, window, limit);
  if (candidates.length === 0) return { seen: 0, announced: 0 };
  const endpoints = await enabledEndpointsOfTeams(db, [...new Set(candidates.map((c) => c.teamId))]);
  const now = clock.now();
  let announced = 0;
  const batches = new StatementBatches(db);
  for (const certificate of candidates) {
    const previous = certificate.noticedExpiresAt === certificate.expiresAt ? (certificate.noticedLevel ?? 0) : 0;
    const due = expiryNoticeLevel(certificate.issuedAt, certificate.expiresAt, asOf);
    const standing = renewalStanding(certificate, asOf);
    // Renewing on time: nothing is announced, and the certificate is looked at again once its renewal would be
    // overdue (or when its row changes: a failure, renewal switched off), unless its next notice is later still.
    const waiting = standing.reason === "on_time";
    const level = waiting ? previous : Math.max(due, previous);
    const nextNotice = nextExpiryNoticeAt(certificate.issuedAt, certificate.expiresAt, level);
    const notice = upsertExpiryNoticeStatement(db, {
      certificateId: certificate.id,
      expiresAt: certificate.expiresAt,
      level,
      nextNoticeAt: waiting ? Math.max(standing.overdueAt, nextNotice ?? standing.overdueAt) : nextNotice,
      updatedAt: now,
    });
    // Only the notice due now: a certificate first seen a week before expiry is told "7 days", not also "30" and "14".
    const announces = !waiting && due > previous;
    const type = due === EXPIRED_LEVEL ? "certificate.expired" : "certificate.expiring";
    const recorded = announces ? eventRecord(endpoints.get(certificate.teamId) ?? [], type, certificate, noticeDetail(certificate, due, standing.reason, asOf), now) : null;
    if (announces) announced++;
    // The notice and its event in one batch: announced and remembered, or neither.
    await batches.add([notice, ...(recorded ? recordEventStatements(db, deps.config, recorded, now) : [])]);
  }
  await batches.flush();
  return { seen: candidates.length, announced };
}

/** Statements written in D1 batches of about BATCH_STATEMENTS, each group whole in one batch (a batch is one transaction). */
class StatementBatches {
  private pending: BatchItem<"sqlite">[] = [];
  constructor(private readonly db: Database) {}

  async add(group: BatchItem<"sqlite">[]): Promise<void> {
    if (this.pending.length > 0 && this.pending.length + group.length > BATCH_STATEMENTS) await this.flush();
    this.pending.push(...group);
  }

  async flush(): Promise<void> {
    const [first, ...rest] = this.pending;
    this.pending = [];
    if (first !== undefined) await this.db.batch([first, ...rest]);
  }
}
