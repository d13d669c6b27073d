/** Commits a service's change and the audit row that records it in one D1 batch: both or neither. */
// A D1 batch is one SQL transaction (Cloudflare D1 docs, "Batch statements"): if any statement fails, all roll back.
// So there is no change without its row, and a failed audit write fails the change (a 500, nothing stored).
import type { Context } from "hono";
import { AppError } from "../core/errors";
import type { Database } from "../db/client";
import type { CommitChange } from "../services/change";
import "./actor";
import { auditInsert } from "../store/audit-log";
import type { AppBindings } from "./context";

/** A commit that records every change as made by `actor` through `action`, at the time `now` tells. */
export function commitWithAudit(db: Database, who: { actor: string; action: string }, now: () => number): CommitChange {
  return async function commitWithAudit(change) {
    const event = { teamId: change.teamId, actor: who.actor, action: who.action, target: change.target, detail: change.detail };
    const row = auditInsert(db, event, now(), change.recordIf?.holds);
    // The change, then its row (an operator action may change nothing else in D1: the row alone); a guarded delete's
    // row comes first, while what it deletes is still there to be checked.
    if (change.recordIf?.checked === "before") return (await db.batch([row, ...change.statements])).slice(1);
    const [first, ...rest] = [...change.statements, row];
    return (await db.batch([first!, ...rest])).slice(0, -1);
  };
}

/** The commit for this request: its actor (set by authentication) and its route (`POST /api/v1/tokens`) as the action. */
export function auditedCommit(c: Context<AppBindings>): CommitChange {
  const actor = c.get("actor");
  // Every changing route authenticates first; a change with nobody to record is a bug, not a request to serve.
  if (actor === undefined) throw new AppError("internal", "Internal server error");
  const { db, clock } = c.var.deps;
  const commit = commitWithAudit(db, { actor, action: `${c.req.method} ${c.req.routePath}` }, () => clock.now());
  return async function auditedCommit(change) {
    const auth = c.get("auth");
    // A token changes its own team only; a service that names another team is a bug.
    if (auth !== undefined && auth.teamId !== change.teamId) throw new AppError("internal", "Internal server error");
    return commit(change);
  };
}
