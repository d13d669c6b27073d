/** One ACME account per team per directory, its key sealed in D1, registered again when the CA has forgotten it. */
import { and, eq } from "drizzle-orm";
import { AcmeClient, exportAccountKey, generateAccountKey, importAccountKey, isAcmeProblem, RETRY_POLICY } from "../acme";
import type { Database } from "../db/client";
import { acmeAccounts } from "../db/schema";
import { newId } from "../core/ids";
import { seal } from "../crypto/sealing";
import { settledAccountKey } from "./account-rollover";

export interface AccountOptions {
  teamId: string;
  directoryUrl: string;
  email: string | null;
  encryptionKey: string;
  /** RFC 8555 §7.3.4: the CA's key id and MAC key, for CAs whose directory says externalAccountRequired. */
  externalAccountBinding?: { kid: string; hmacKeyB64url: string };
  fetch?: typeof fetch;
  /** The most of a CA answer's body read (OUTBOUND_RESPONSE_MAX_KIB). */
  responseLimitBytes?: number;
}

/** Forgets the stored account (the CA no longer knows it), so the next use creates a new one. */
export async function forgetAcmeAccount(db: Database, teamId: string, directoryUrl: string): Promise<void> {
  await db.delete(acmeAccounts).where(and(eq(acmeAccounts.teamId, teamId), eq(acmeAccounts.directoryUrl, directoryUrl)));
}

/**
 * Runs `use` with a client for the team's account at the directory. RFC 8555 §7.3.1: a CA that answers
 * `accountDoesNotExist` no longer knows the stored account (deactivated elsewhere, or a test CA restarted): the row is
 * forgotten, a new account registered and stored, and `use` runs again from the top (its order belonged to the old
 * account), RETRY_POLICY.accountRecreations times at most.
 */
export async function withAcmeAccount<T>(db: Database, options: AccountOptions, use: (client: AcmeClient) => Promise<T>): Promise<T> {
  for (let recreations = 0; ; recreations++) {
    try {
      return await use(await openAcmeClient(db, options));
    } catch (error) {
      if (recreations >= RETRY_POLICY.accountRecreations || !isAcmeProblem(error, "accountDoesNotExist")) throw error;
      await forgetAcmeAccount(db, options.teamId, options.directoryUrl);
    }
  }
}

/** A client for the team's account at the directory, creating the account on first use. */
export async function openAcmeClient(db: Database, options: AccountOptions): Promise<AcmeClient> {
  const where = and(eq(acmeAccounts.teamId, options.teamId), eq(acmeAccounts.directoryUrl, options.directoryUrl));
  const existing = await db.query.acmeAccounts.findFirst({ where });
  if (existing) {
    // A key rollover (RFC 8555 §7.3.5) that stopped half-way is settled first (see account-rollover.ts).
    const key = await settledAccountKey(db, options.encryptionKey, existing, options.fetch, options.responseLimitBytes);
    // Forgotten meanwhile: the next look finds no row and creates the account.
    if (key === null) return openAcmeClient(db, options);
    const accountKey = await importAccountKey(key);
    return new AcmeClient({ directoryUrl: options.directoryUrl, accountKey, accountUrl: existing.accountUrl, fetch: options.fetch, responseLimitBytes: options.responseLimitBytes });
  }
  const accountKey = await generateAccountKey();
  const client = new AcmeClient({ directoryUrl: options.directoryUrl, accountKey, fetch: options.fetch, responseLimitBytes: options.responseLimitBytes });
  // RFC 8555 §7.3: the operator accepted the CA's terms when deploying this service for the team.
  const { accountUrl } = await client.createAccount({
    termsOfServiceAgreed: true,
    ...(options.email ? { contact: [`mailto:${options.email}`] } : {}),
    ...(options.externalAccountBinding ? { externalAccountBinding: options.externalAccountBinding } : {}),
  });
  const id = newId("acct");
  const inserted = await db
    .insert(acmeAccounts)
    .values({
      id,
      teamId: options.teamId,
      directoryUrl: options.directoryUrl,
      accountUrl,
      sealedKey: await seal(options.encryptionKey, await exportAccountKey(accountKey), id),
      email: options.email,
      createdAt: Date.now(),
    })
    .onConflictDoNothing()
    .returning({ id: acmeAccounts.id });
  // Another certificate of the team created the account at the same moment: use that one.
  if (inserted.length === 0) return openAcmeClient(db, options);
  return client;
}
