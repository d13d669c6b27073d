/** Deactivation (RFC 8555 §7.3.6) of a stored ACME account at its CA, after which the row is forgotten. */
import { eq } from "drizzle-orm";
import { AcmeClient, importAccountKey, isAcmeProblem } from "../acme";
import type { SealingKeys } from "../crypto/sealing";
import type { Database } from "../db/client";
import { acmeAccounts } from "../db/schema";
import { settledAccountKey } from "./account-rollover";

type AccountRow = typeof acmeAccounts.$inferSelect;

/**
 * Deactivates the account at its CA, then deletes the row (so a later issuance for the team creates a new
 * account). Throws when the CA could not deactivate it; the row is then kept, so the action can be repeated.
 */
export async function deactivateStoredAccount(
  db: Database,
  sealingKeys: SealingKeys,
  row: AccountRow,
  fetchFn?: typeof fetch,
  responseLimitBytes?: number,
): Promise<void> {
  // A rollover that stopped half-way is settled first: the CA knows the account by one key only.
  const key = await settledAccountKey(db, sealingKeys, row, fetchFn, responseLimitBytes);
  if (key === null) return; // forgotten meanwhile
  const client = new AcmeClient({
    directoryUrl: row.directoryUrl,
    accountKey: await importAccountKey(key),
    accountUrl: row.accountUrl,
    ...(fetchFn ? { fetch: fetchFn } : {}),
    responseLimitBytes,
  });
  try {
    await client.deactivateAccount();
  } catch (error) {
    // RFC 8555 §7.3.6: unauthorized, already deactivated; accountDoesNotExist (§7.3.1), the CA no longer knows
    // it. Either way it serves nobody any more, which is what was asked.
    if (!isAcmeProblem(error, "unauthorized") && !isAcmeProblem(error, "accountDoesNotExist")) throw error;
  }
  await db.delete(acmeAccounts).where(eq(acmeAccounts.id, row.id));
}
