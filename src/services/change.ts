/** A change as a service hands it to the edge, which commits it with the audit row that records it (http/audited-commit.ts). */
import type { SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";

/**
 * When a change's statements are guarded (a quota, a row that must still be there) and may change nothing: the audit
 * row is written only where `holds` is true, so a refused change leaves no row. `checked` says where in the batch the
 * condition is read: "after" the statements (the row as written is there), or "before" them (a delete's row was there).
 */
export interface RecordCondition {
  holds: SQL;
  checked: "before" | "after";
}

/** The statements that make one change, built but not run, and what its audit row says. */
export interface Change {
  /** The tenant the change belongs to. */
  teamId: string;
  statements: readonly BatchItem<"sqlite">[];
  /** What was changed (an id): the event's `target`. */
  target: string;
  /** What else the event records (ids, scopes, names), never a secret. */
  detail?: Record<string, unknown>;
  /** Absent: the row is always written (the statements cannot change nothing, or nothing else is in D1). */
  recordIf?: RecordCondition;
}

/**
 * Runs a change's statements and its audit row in one D1 batch, all or nothing, and answers the statements' results
 * in order. The edge supplies it, since only the edge knows who acts.
 */
export type CommitChange = (change: Change) => Promise<unknown[]>;
