/** An audit row as written (in the batch of its change), with its optional detail. */
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { auditLog } from "../db/schema";
import { selectValues } from "../db/select-values";
import { newId } from "../core/ids";

/** The team of an operator action that concerns no single team (a renewal sweep): no team's log shows it. */
export const NO_TEAM = "";

export type AuditDetail = Record<string, unknown>;

export interface AuditEvent {
  teamId: string;
  /** A token id, or `operator`. */
  actor: string;
  /** The method and route, e.g. `POST /api/v1/tokens`. */
  action: string;
  /** What was changed: an id, or "" when the action names no single thing. */
  target: string;
  /** What else is worth keeping (ids, scopes, names); never a secret. */
  detail?: AuditDetail;
}

/**
 * Builds (does not run) the insert of one audit row, so that it can join the batch of the change it records; with
 * `when`, an `INSERT … SELECT … WHERE when`: the row is written only where the change it records was made.
 */
export function auditInsert(db: Database, event: AuditEvent, at: number, when?: SQL) {
  const { teamId, actor, action, target, detail } = event;
  const row = { id: newId("evt"), teamId, actor, action, target, detail: detail ?? null, at };
  if (when === undefined) return db.insert(auditLog).values(row);
  return db.insert(auditLog).select(sql`SELECT ${selectValues(auditLog, row)} WHERE ${when}`);
}
