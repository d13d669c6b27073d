/**
 * Orders, authorizations and challenges of the ACME server. An order is inserted with its authorizations and their
 * challenges in one batch; every status change is a guarded `UPDATE … WHERE id = ? AND status = ?` whose returned
 * rows say whether it happened (a concurrent change makes it change nothing).
 */
import { type SQL, and, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { preparedPer } from "../db/prepared";
import { acmeServerAuthorizations, acmeServerChallenges, acmeServerOrders, type AcmeAuthorizationStatus, type AcmeChallengeStatus, type AcmeOrderStatus } from "../db/schema";

export type AcmeOrderRow = typeof acmeServerOrders.$inferSelect;
export type AcmeAuthorizationRow = typeof acmeServerAuthorizations.$inferSelect;
export type AcmeChallengeRow = typeof acmeServerChallenges.$inferSelect;

export function insertOrderStatements(db: Database, order: AcmeOrderRow, authorizations: AcmeAuthorizationRow[], challenges: AcmeChallengeRow[]) {
  return [
    db.insert(acmeServerOrders).values(order),
    ...authorizations.map((row) => db.insert(acmeServerAuthorizations).values(row)),
    ...challenges.map((row) => db.insert(acmeServerChallenges).values(row)),
  ];
}

const orderQuery = preparedPer((db) => db.select().from(acmeServerOrders).where(eq(acmeServerOrders.id, sql.placeholder("id"))).limit(1).prepare());

/** Order `id`. */
export async function orderById(db: Database, id: string): Promise<AcmeOrderRow | undefined> {
  return orderQuery(db).get({ id });
}

const orderWithAuthorizationsQuery = preparedPer((db) =>
  db
    .select({
      order: acmeServerOrders,
      // [createdAt, id] of each of its authorizations, as a JSON array: SQLite does not promise an aggregate's order.
      // The outer column by its table's name: drizzle writes a one-table select's columns unqualified.
      authorizations: sql<string>`(SELECT json_group_array(json_array(a.created_at, a.id)) FROM acme_server_authorizations a WHERE a.order_id = acme_server_orders.id)`,
    })
    .from(acmeServerOrders)
    .where(eq(acmeServerOrders.id, sql.placeholder("id")))
    .limit(1)
    .prepare(),
);

/**
 * Order `id` and the ids of its authorizations, oldest first (as `authorizationsOf`), in one statement: every order,
 * finalize and certificate request reads both.
 */
export async function orderWithAuthorizationIds(db: Database, id: string): Promise<{ order: AcmeOrderRow; authorizationIds: string[] } | undefined> {
  const found = await orderWithAuthorizationsQuery(db).get({ id });
  if (!found) return undefined;
  const pairs = JSON.parse(found.authorizations) as [number, string][];
  pairs.sort(([atA, idA], [atB, idB]) => atA - atB || (idA < idB ? -1 : idA > idB ? 1 : 0));
  return { order: found.order, authorizationIds: pairs.map(([, authorizationId]) => authorizationId) };
}

export async function authorizationsOf(db: Database, orderId: string): Promise<AcmeAuthorizationRow[]> {
  return db.select().from(acmeServerAuthorizations).where(eq(acmeServerAuthorizations.orderId, orderId)).orderBy(acmeServerAuthorizations.createdAt, acmeServerAuthorizations.id);
}

export async function authorizationById(db: Database, id: string): Promise<AcmeAuthorizationRow | undefined> {
  return db.query.acmeServerAuthorizations.findFirst({ where: eq(acmeServerAuthorizations.id, id) });
}

export async function challengesOf(db: Database, authorizationIds: string[]): Promise<AcmeChallengeRow[]> {
  if (authorizationIds.length === 0) return [];
  return db.select().from(acmeServerChallenges).where(inArray(acmeServerChallenges.authorizationId, authorizationIds)).orderBy(acmeServerChallenges.type);
}

export async function challengeById(db: Database, id: string): Promise<AcmeChallengeRow | undefined> {
  return db.query.acmeServerChallenges.findFirst({ where: eq(acmeServerChallenges.id, id) });
}

/** One page of the account's orders, newest first (RFC 8555 §7.1.2.1). */
export async function accountOrderPage(db: Database, accountId: string, limit: number, before?: { createdAt: number; id: string }) {
  const t = acmeServerOrders;
  const older = before ? or(lt(t.createdAt, before.createdAt), and(eq(t.createdAt, before.createdAt), lt(t.id, before.id))) : undefined;
  return db.select({ id: t.id, createdAt: t.createdAt }).from(t).where(and(eq(t.accountId, accountId), older)).orderBy(desc(t.createdAt), desc(t.id)).limit(limit + 1);
}

/** The order whose certificate has `serial`, in the directory (RFC 9773 renewalInfo, revocation by certificate). */
export async function orderBySerial(db: Database, directoryId: string, serial: string): Promise<AcmeOrderRow | undefined> {
  return db.query.acmeServerOrders.findFirst({ where: and(eq(acmeServerOrders.directoryId, directoryId), eq(acmeServerOrders.certificateSerial, serial)) });
}

/** The order that already replaces the certificate with ARI id `replaces` (RFC 9773 §5), if any. */
export async function orderReplacing(db: Database, directoryId: string, replaces: string): Promise<AcmeOrderRow | undefined> {
  return db.query.acmeServerOrders.findFirst({ where: and(eq(acmeServerOrders.directoryId, directoryId), eq(acmeServerOrders.replaces, replaces)) });
}

export function moveOrder(db: Database, id: string, from: AcmeOrderStatus, set: Partial<AcmeOrderRow>) {
  return db.update(acmeServerOrders).set(set).where(and(eq(acmeServerOrders.id, id), eq(acmeServerOrders.status, from))).returning();
}

/** SQL condition: the order is now in `status` (an audit row's condition, services/change.ts). */
export function acmeOrderStatusIs(id: string, status: AcmeOrderStatus): SQL {
  return sql`EXISTS (SELECT 1 FROM acme_server_orders WHERE id = ${id} AND status = ${status})`;
}

export function moveAuthorization(db: Database, id: string, from: AcmeAuthorizationStatus, set: Partial<AcmeAuthorizationRow>) {
  return db.update(acmeServerAuthorizations).set(set).where(and(eq(acmeServerAuthorizations.id, id), eq(acmeServerAuthorizations.status, from))).returning();
}

export function moveChallenge(db: Database, id: string, from: AcmeChallengeStatus, set: Partial<AcmeChallengeRow>) {
  return db.update(acmeServerChallenges).set(set).where(and(eq(acmeServerChallenges.id, id), eq(acmeServerChallenges.status, from))).returning();
}

