/** A team's certificates a page at a time, newest first, cut on creation time (Vercel's `until` / `since` cursors). */
import { type SQL, and, asc, desc, gt, gte, lt, lte } from "drizzle-orm";
import type { Database } from "../../db/client";
import { certificates } from "../../db/schema";
import type { CertificateRow } from "../../store/certificates";
import { type TeamOwner, ownedBy } from "./owner";

export interface TeamCertificatePageQuery {
  limit: number;
  /** Only certificates created before this instant (ms): the next, older page. */
  until?: number;
  /** Only certificates created after this instant (ms): the previous, newer page. */
  since?: number;
}

export interface TeamCertificatePage {
  /** Newest first. */
  rows: CertificateRow[];
  /** `until` for the next (older) page, or null when there is none. */
  next: number | null;
  /** `since` for the previous (newer) page, or null when there is none. */
  prev: number | null;
}

/**
 * A page never splits certificates created in the same millisecond: the cursor is a bare
 * timestamp, so a split would skip the rest of them. Such a page may hold more than `limit`.
 */
export async function listTeamCertificates(db: Database, owner: TeamOwner, query: TeamCertificatePageQuery): Promise<TeamCertificatePage> {
  const backwards = query.since !== undefined;
  const window = backwards
    ? gt(certificates.createdAt, query.since!)
    : query.until !== undefined
      ? lt(certificates.createdAt, query.until)
      : undefined;
  // Walk away from the cursor: older rows for `until`, newer rows for `since`.
  const away = backwards ? asc : desc;
  const probe = await db
    .select({ createdAt: certificates.createdAt })
    .from(certificates)
    .where(and(ownedBy(owner), window))
    .orderBy(away(certificates.createdAt))
    .limit(query.limit + 1);
  if (probe.length === 0) return { rows: [], next: null, prev: null };
  const boundary = probe[Math.min(query.limit, probe.length) - 1]!.createdAt;
  const throughBoundary = backwards ? lte(certificates.createdAt, boundary) : gte(certificates.createdAt, boundary);
  const rows = await db
    .select()
    .from(certificates)
    .where(and(ownedBy(owner), window, throughBoundary))
    .orderBy(desc(certificates.createdAt), desc(certificates.id));
  if (rows.length === 0) return { rows: [], next: null, prev: null };
  const newest = rows[0]!.createdAt;
  const oldest = rows[rows.length - 1]!.createdAt;
  const [older, newer] = await Promise.all([
    hasRow(db, owner, lt(certificates.createdAt, oldest)),
    hasRow(db, owner, gt(certificates.createdAt, newest)),
  ]);
  return { rows, next: older ? oldest : null, prev: newer ? newest : null };
}

async function hasRow(db: Database, owner: TeamOwner, condition: SQL): Promise<boolean> {
  const found = await db.select({ id: certificates.id }).from(certificates).where(and(ownedBy(owner), condition)).limit(1);
  return found.length > 0;
}
