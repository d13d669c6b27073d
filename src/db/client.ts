/**
 * A drizzle client over the D1 binding, or over one of its sessions (D1 read replication:
 * https://developers.cloudflare.com/d1/best-practices/read-replication/).
 *
 * Without a session every query goes to the primary database ("otherwise all queries will continue to be executed
 * only by the primary database", same page), so the binding's own client is the primary's. A session's client
 * remembers that client, for the few reads that must not be answered by a replica (http/auth.ts), and for what is kept
 * per isolate rather than per request (services/token-cache.ts).
 */
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Database = ReturnType<typeof database>;

export function database(d1: D1Database) {
  return drizzle(d1, { schema });
}

/** Where a session's client came from. */
export interface SessionOrigin {
  /** The client over the binding itself, with no session: the primary's. */
  primary: Database;
  /**
   * Whether a read may be answered by a replica behind the primary: true for a session started "first-unconstrained"
   * or from a bookmark (at least as new as the bookmark, maybe older than the primary), false for "first-primary" (its
   * first query reads the primary, the rest are at least that new).
   */
  replicaReads: boolean;
}

const origins = new WeakMap<Database, SessionOrigin>();

/** A client over `session`, a session of the binding that `origin.primary` is a client of. */
export function sessionDatabase(session: D1DatabaseSession, origin: SessionOrigin): Database {
  // drizzle 0.45's D1 driver calls nothing on its client but `prepare` and `batch`, which a D1DatabaseSession has with
  // the same signatures (https://developers.cloudflare.com/d1/worker-api/d1-database/#withsession); its type asks for
  // a whole D1Database (exec, dump, withSession), which a session is not.
  const db = database(session as unknown as D1Database);
  origins.set(db, origin);
  return db;
}

/** The primary's client for `db`: `db` itself unless it is a session's. */
export function primaryDatabase(db: Database): Database {
  return origins.get(db)?.primary ?? db;
}

/** Whether a read through `db` may come from a replica that has not yet seen the primary's latest writes. */
export function readsMayLag(db: Database): boolean {
  return origins.get(db)?.replicaReads ?? false;
}
