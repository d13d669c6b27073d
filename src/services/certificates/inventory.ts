/** Every certificate of a team, project and team-level alike, a page at a time: the inventory the dashboard shows. */
import { and, desc, eq, lt, or } from "drizzle-orm";
import type { Database } from "../../db/client";
import { certificates } from "../../db/schema";
import type { CertificateRow } from "../../store/certificates";

/** Where a page ends: the last row's creation time, and its id to order the rows of the same millisecond. */
export interface InventoryCursor {
  createdAt: number;
  id: string;
}

export interface InventoryPage {
  /** Newest first (creation time, then id). */
  rows: CertificateRow[];
  /** Where the next (older) page starts, or null when this is the last. */
  next: InventoryCursor | null;
}

/**
 * One statement, through certificates_team_idx on (team_id, created_at): rows come in the index's order and the
 * page stops after `limit + 1` of them (the extra row only says whether there is a next page). Another team's rows
 * are outside the index range the team id selects.
 */
export async function teamInventoryPage(
  db: Database,
  teamId: string,
  { limit, before }: { limit: number; before?: InventoryCursor },
): Promise<InventoryPage> {
  const older = before
    ? or(lt(certificates.createdAt, before.createdAt), and(eq(certificates.createdAt, before.createdAt), lt(certificates.id, before.id)))
    : undefined;
  const rows = await db
    .select()
    .from(certificates)
    .where(and(eq(certificates.teamId, teamId), older))
    .orderBy(desc(certificates.createdAt), desc(certificates.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null };
}
