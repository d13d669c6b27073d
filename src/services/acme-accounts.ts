/**
 * Operator actions on the teams' ACME accounts: key rollover (RFC 8555 §7.3.5) over a bounded batch, and
 * deactivation (RFC 8555 §7.3.6) of a team's accounts, for whatever removes the team. Failures are reported per
 * account with the CA's words, never key material.
 */
import { and, asc, eq, gt, type SQL } from "drizzle-orm";
import { AcmeProblem, isAcmeNetworkError } from "../acme";
import { AppError } from "../core/errors";
import { acmeAccounts } from "../db/schema";
import { deactivateStoredAccount } from "../issuance/account-deactivation";
import { rollOverAccountKey } from "../issuance/account-rollover";
import { toIssuanceError } from "../issuance/acme-errors";
import type { IssuanceDeps } from "../issuance/deps";
import { responseLimitOf } from "../outbound/bounded-body";

/** Accounts rolled over per call: each is about four requests to its CA (directory, nonce, keyChange, and a lookup on failure). */
export const ROLLOVER_BATCH = { default: 20, max: 100 } as const;

/** A keyChange whose answer never came may have been made: the row keeps both keys until the CA can say (account-rollover.ts). */
const UNREACHABLE_ROLLOVER = "the account's next use asks the CA which key it has";

export interface AccountFailure {
  teamId: string;
  directoryUrl: string;
  error: string;
}

export interface RolloverFilter {
  teamId?: string;
  directoryUrl?: string;
  /** Only accounts whose id sorts after this one: the `next` of the previous call. */
  after?: string;
  batchSize?: number;
}

export interface RolloverResult {
  rolledOver: number;
  failed: AccountFailure[];
  /** Pass as `after` for the next batch; null when no matching account is left. */
  next: string | null;
}

/** What went wrong, in words fit for the operator and the log: the CA's problem, or which request gave up and what then. */
function failureMessage(error: unknown, directoryUrl: string, ifUnreachable: string): string {
  if (isAcmeNetworkError(error)) {
    const tried = error.kind ? ` (${error.kind} failed ${error.attempts ?? 1} times)` : "";
    return `Could not reach the ACME CA at ${directoryUrl}${tried}; ${ifUnreachable}`;
  }
  if (error instanceof AppError || error instanceof AcmeProblem) return toIssuanceError(error, directoryUrl).message;
  return `Unexpected ${error instanceof Error ? error.name : typeof error}`;
}

/**
 * Rolls over the key of each matching account (all when no filter), at most `batchSize`, in id order. One
 * account's failure does not stop the others; each is sequential, so one CA is never asked in parallel.
 */
export async function rollOverAcmeAccounts(deps: Pick<IssuanceDeps, "db" | "config">, filter: RolloverFilter, fetchFn?: typeof fetch): Promise<RolloverResult> {
  const { db, config } = deps;
  const batchSize = Math.min(filter.batchSize ?? ROLLOVER_BATCH.default, ROLLOVER_BATCH.max);
  const conditions: SQL[] = [];
  if (filter.teamId !== undefined) conditions.push(eq(acmeAccounts.teamId, filter.teamId));
  if (filter.directoryUrl !== undefined) conditions.push(eq(acmeAccounts.directoryUrl, filter.directoryUrl));
  if (filter.after !== undefined) conditions.push(gt(acmeAccounts.id, filter.after));
  const rows = await db
    .select({ id: acmeAccounts.id, teamId: acmeAccounts.teamId, directoryUrl: acmeAccounts.directoryUrl })
    .from(acmeAccounts)
    .where(and(...conditions))
    .orderBy(asc(acmeAccounts.id))
    .limit(batchSize + 1); // one more than the batch, only to know whether `next` is needed
  const batch = rows.slice(0, batchSize);
  const result: RolloverResult = { rolledOver: 0, failed: [], next: rows.length > batchSize ? batch.at(-1)!.id : null };
  for (const row of batch) {
    try {
      await rollOverAccountKey(db, config.ENCRYPTION_KEY, row.teamId, row.directoryUrl, fetchFn, responseLimitOf(config));
      result.rolledOver++;
    } catch (error) {
      result.failed.push({ teamId: row.teamId, directoryUrl: row.directoryUrl, error: failureMessage(error, row.directoryUrl, UNREACHABLE_ROLLOVER) });
    }
  }
  return result;
}

export interface DeactivationResult {
  deactivated: number;
  /** Accounts the CA could not deactivate: kept, so the action can be repeated (a removed team takes them along). */
  failed: AccountFailure[];
}

/**
 * Deactivates every ACME account of the team at its CA and forgets it. Best effort: a CA failure never throws
 * (whatever removes the team goes on); it is logged, without secrets, and reported.
 */
export async function deactivateAcmeAccounts(deps: Pick<IssuanceDeps, "db" | "config">, teamId: string, fetchFn?: typeof fetch): Promise<DeactivationResult> {
  const { db, config } = deps;
  const rows = await db.query.acmeAccounts.findMany({ where: eq(acmeAccounts.teamId, teamId), orderBy: asc(acmeAccounts.id) });
  const result: DeactivationResult = { deactivated: 0, failed: [] };
  for (const row of rows) {
    try {
      await deactivateStoredAccount(db, config.ENCRYPTION_KEY, row, fetchFn, responseLimitOf(config));
      result.deactivated++;
    } catch (error) {
      const message = failureMessage(error, row.directoryUrl, "the account is kept, so this can be repeated");
      console.warn(`ACME account deactivation for team ${teamId} at ${row.directoryUrl} failed: ${message}`);
      result.failed.push({ teamId, directoryUrl: row.directoryUrl, error: message });
    }
  }
  return result;
}
