/** One page of a team's audit log, newest first, narrowed by optional filters (each served by its own index). */
import { and, desc, eq, gte, lt, or, type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { auditLog, certificates } from "../db/schema";

export type AuditLogRow = typeof auditLog.$inferSelect;

export interface AuditLogFilters {
  /** An exact action, or a prefix of one ending in `/` or `.` (e.g. `POST /api/v1/webhooks/`). */
  action?: string;
  /** An exact target id; a project's id also matches its certificates' rows (they target the certificate). */
  target?: string;
  actor?: string;
}

/** Rows older than this (time, id): the `next` cursor of the previous page. */
export interface AuditLogCursor {
  at: number;
  id: string;
}

const isActionPrefix = (action: string) => action.endsWith("/") || action.endsWith(".");

/** A prefix as a range, `prefix <= action < prefix with its last character raised`, which the action index serves. */
function actionFilter(action: string): SQL | undefined {
  if (!isActionPrefix(action)) return eq(auditLog.action, action);
  const upper = action.slice(0, -1) + String.fromCharCode(action.charCodeAt(action.length - 1) + 1);
  return and(gte(auditLog.action, action), lt(auditLog.action, upper));
}

/**
 * The target itself, or a certificate of the project it names: obtain is recorded against the project, but upload,
 * renew, revoke, export and deployment against the certificate (whose id survives its replacements). A deleted
 * certificate's rows are found by its own id only.
 */
function targetFilter(teamId: string, target: string): SQL {
  const ofProject = sql`SELECT ${certificates.id} FROM ${certificates} WHERE ${certificates.teamId} = ${teamId} AND ${certificates.projectId} = ${target}`;
  return sql`${auditLog.target} IN (SELECT ${target} UNION ALL ${ofProject})`;
}

export async function auditLogPage(db: Database, teamId: string, filters: AuditLogFilters, before: AuditLogCursor | undefined, limit: number): Promise<AuditLogRow[]> {
  return db
    .select()
    .from(auditLog)
    .where(
      and(
        eq(auditLog.teamId, teamId),
        filters.action === undefined ? undefined : actionFilter(filters.action),
        filters.target === undefined ? undefined : targetFilter(teamId, filters.target),
        filters.actor === undefined ? undefined : eq(auditLog.actor, filters.actor),
        // The cursor is (time, id): events of the same millisecond are neither repeated nor skipped across pages.
        before === undefined ? undefined : or(lt(auditLog.at, before.at), and(eq(auditLog.at, before.at), lt(auditLog.id, before.id))),
      ),
    )
    // By target, `+at`: otherwise SQLite prefers the (team, at) index, which gives the order but reads the team's whole
    // log, to the (team, target, at) index, which reads only the target's rows (SQLite docs, "The SQLite Query
    // Optimizer Overview", §"Disqualifying WHERE clause terms using unary-+").
    .orderBy(desc(filters.target === undefined ? auditLog.at : sql`+${auditLog.at}`), desc(auditLog.id))
    .limit(limit);
}
