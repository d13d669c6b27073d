/**
 * Key rollover (RFC 8555 §7.3.5) of a stored ACME account, safe against a lost answer or a crash at any step.
 *
 * Ordering: (1) the new key is stored first, sealed beside the current one in the same sealed value; (2) the CA
 * moves the account to it (keyChange); (3) the new key alone replaces both, in one conditional update. The sealed
 * plaintext is the key's private JWK JSON; mid-rollover it has one more member, `next`, the new key's JWK, which
 * importAccountKey ignores: no schema change, and reseal carries it along. Wherever the rollover stops, the row
 * holds every key the CA may know the account by, and the account's next use settles it (settledAccountKey):
 * it asks the CA with `next` (newAccount onlyReturnExisting, RFC 8555 §7.3.1) and keeps the key the CA has.
 * The other ordering, CA first and D1 after, loses the account when the write fails: the CA knows only the new
 * key, and nothing holds it.
 */
import { and, eq } from "drizzle-orm";
import { AcmeClient, exportAccountKey, generateAccountKey, importAccountKey, type KeyChangeResult } from "../acme";
import { AppError } from "../core/errors";
import type { Database } from "../db/client";
import { acmeAccounts } from "../db/schema";
import { seal, unseal, type SealingKeys } from "../crypto/sealing";

type AccountRow = typeof acmeAccounts.$inferSelect;

/** The sealed value's contents: the account key (private JWK JSON) and, while a rollover is unsettled, the next one. */
interface StoredKeys {
  current: string;
  next: string | null;
}

/** Conditional writes tried before giving up when other writers (a reseal, a settle) keep changing the row. */
const WRITE_ATTEMPTS = 3;

const changedMeanwhile = () => new AppError("conflict", "The ACME account's key changed while it was being rolled over; try again");

function parseKeys(plaintext: string): StoredKeys {
  const { next, ...current } = JSON.parse(plaintext) as Record<string, unknown>;
  return { current: JSON.stringify(current), next: next === undefined ? null : JSON.stringify(next) };
}

function plaintextOf(keys: StoredKeys): string {
  return keys.next === null ? keys.current : JSON.stringify({ ...JSON.parse(keys.current), next: JSON.parse(keys.next) });
}

/** The same public key (RFC 7638 §3.2 members), whatever else the JWK JSON holds. */
function sameKey(a: string, b: string): boolean {
  const [x, y] = [JSON.parse(a), JSON.parse(b)] as Array<Record<string, unknown>>;
  return x!.kty === y!.kty && x!.crv === y!.crv && x!.x === y!.x && x!.y === y!.y;
}

function findRow(db: Database, id: string): Promise<AccountRow | undefined> {
  return db.query.acmeAccounts.findFirst({ where: eq(acmeAccounts.id, id) });
}

/**
 * Seals `decide(what the row holds)` into the row, only while the row still holds the sealed value just read
 * (one conditional UPDATE), reading again when another writer got there first. `decide` returns null when no
 * write is needed, and may throw. Answers what the row holds afterwards, or null when the row is gone.
 */
async function updateStored(db: Database, sealingKeys: SealingKeys, id: string, decide: (stored: StoredKeys) => StoredKeys | null): Promise<StoredKeys | null> {
  for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
    const row = await findRow(db, id);
    if (!row) return null;
    const stored = parseKeys(await unseal(sealingKeys, row.sealedKey, row.id));
    const wanted = decide(stored);
    if (wanted === null) return stored;
    const sealedKey = await seal(sealingKeys, plaintextOf(wanted), row.id);
    const written = await db
      .update(acmeAccounts)
      .set({ sealedKey })
      .where(and(eq(acmeAccounts.id, row.id), eq(acmeAccounts.sealedKey, row.sealedKey)));
    if (written.meta.changes) return wanted;
  }
  throw changedMeanwhile();
}

/**
 * The key (private JWK JSON) the CA knows the stored account by, or null when the row is gone. A row with a
 * `next` key (a rollover stopped half-way) is settled first: the CA is asked with `next`, and the key it has is
 * kept alone. Throws when the CA cannot be asked (the next use tries again).
 */
export async function settledAccountKey(
  db: Database,
  sealingKeys: SealingKeys,
  row: AccountRow,
  fetchFn?: typeof fetch,
  responseLimitBytes?: number,
): Promise<string | null> {
  const stored = parseKeys(await unseal(sealingKeys, row.sealedKey, row.id));
  const next = stored.next;
  if (next === null) return stored.current;
  const probe = new AcmeClient({ directoryUrl: row.directoryUrl, accountKey: await importAccountKey(next), ...(fetchFn ? { fetch: fetchFn } : {}), responseLimitBytes });
  const moved = (await probe.findAccount()) === row.accountUrl;
  // Only over the rollover just asked about: one that finished or started meanwhile is its own writer's to settle.
  const settled = await updateStored(db, sealingKeys, row.id, (now) =>
    now.next !== null && sameKey(now.next, next) ? { current: moved ? next : now.current, next: null } : null,
  );
  return settled?.current ?? null;
}

/**
 * RFC 8555 §7.3.5 for the team's account at `directoryUrl`: a new key, stored, then moved to at the CA, then
 * kept alone (see the ordering above). An error leaves the row settled when the CA can say which key it has,
 * and otherwise with both keys, for the account's next use to settle.
 */
export async function rollOverAccountKey(
  db: Database,
  sealingKeys: SealingKeys,
  teamId: string,
  directoryUrl: string,
  fetchFn?: typeof fetch,
  responseLimitBytes?: number,
): Promise<KeyChangeResult> {
  const row = await db.query.acmeAccounts.findFirst({ where: and(eq(acmeAccounts.teamId, teamId), eq(acmeAccounts.directoryUrl, directoryUrl)) });
  if (!row) throw new AppError("not_found", "The team has no ACME account at this directory");
  const current = await settledAccountKey(db, sealingKeys, row, fetchFn, responseLimitBytes);
  if (current === null) throw new AppError("not_found", "The team has no ACME account at this directory");
  const newKeys = await generateAccountKey();
  const next = await exportAccountKey(newKeys);

  // (1) Before the CA hears of it.
  const marked = await updateStored(db, sealingKeys, row.id, (stored) => {
    if (stored.next !== null || !sameKey(stored.current, current)) throw changedMeanwhile();
    return { current: stored.current, next };
  });
  if (!marked) throw changedMeanwhile();

  // (2) keyChange confirms a change whose answer was lost by asking with the new key (REPEAT_AFTER_LOST_ANSWER).
  const client = new AcmeClient({ directoryUrl, accountKey: await importAccountKey(current), accountUrl: row.accountUrl, ...(fetchFn ? { fetch: fetchFn } : {}), responseLimitBytes });
  let result: KeyChangeResult;
  try {
    result = await client.keyChange(newKeys);
  } catch (error) {
    const now = await findRow(db, row.id);
    // Settled now when the CA can say which key it has; otherwise at the account's next use.
    if (now) await settledAccountKey(db, sealingKeys, now, fetchFn, responseLimitBytes).catch(() => null);
    throw error;
  }

  // (3) Over the old key with or without `next`: a settle that asked the CA just before it took the change may
  // have put the old key back alone, and the CA has now said it took it.
  const kept = await updateStored(db, sealingKeys, row.id, (stored) => {
    if (sameKey(stored.current, next)) return null;
    if (!sameKey(stored.current, current)) throw changedMeanwhile();
    return { current: next, next: null };
  });
  if (!kept) throw new AppError("conflict", "The ACME account was removed while its key was rolled over");
  return result;
}
