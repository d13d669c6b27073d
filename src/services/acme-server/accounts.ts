/**
 * ACME server accounts (RFC 8555 §7.3): newAccount with External Account Binding (§7.3.4, required), the account
 * found again by its key (200, §7.3.1), contact updates (§7.3.2), deactivation (§7.3.6) and key rollover (§7.3.5).
 */
import { verifyExternalAccountBinding } from "../../acme-server/eab-verify";
import type { VerifiedJws } from "../../acme-server/jws-verify";
import { AcmeServerProblem } from "../../acme-server/problems";
import { newId } from "../../core/ids";
import { base64UrlToBytes } from "../../crypto/encoding";
import { accountById, accountByKey, accountThere, type AcmeServerAccountRow, createAccountStatements, updateValidAccountStatement } from "../../store/acme-server-accounts";
import { eabKeyOf, openEabKey } from "../../store/acme-server-directories";
import { accountActor, type AcmeServerContext } from "./context";

const MAX_CONTACTS = 10;

/** RFC 8555 §7.3: `mailto:` URLs only (§7.3: a server may refuse other schemes with unsupportedContact). */
export function contactOf(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) throw new AcmeServerProblem("malformed", "contact must be an array of URLs");
  if (value.length > MAX_CONTACTS) throw new AcmeServerProblem("invalidContact", `at most ${MAX_CONTACTS} contacts`);
  return (value as string[]).map((url) => {
    if (!url.toLowerCase().startsWith("mailto:")) throw new AcmeServerProblem("unsupportedContact", `only mailto: contacts are supported, not "${url.slice(0, 40)}"`);
    const address = url.slice("mailto:".length);
    if (address.length > 254 || !/^[^\s@,?]+@[^\s@,?]+\.[^\s@,?]+$/.test(address)) throw new AcmeServerProblem("invalidContact", `"${url.slice(0, 80)}" is not a mailto: URL with one email address`);
    return `mailto:${address}`;
  });
}

const payloadObject = (verified: VerifiedJws): Record<string, unknown> => {
  const payload = verified.payload;
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) throw new AcmeServerProblem("malformed", "the payload must be a JSON object");
  return payload as Record<string, unknown>;
};

/**
 * Whether the EAB key of an account `requireAccount` read was revoked (or gone) when it was read, in the same
 * statement: the request's own moment, as a second read at the start of the request would see it.
 */
const bindingRevokedAtRead = new WeakMap<AcmeServerAccountRow, boolean>();

/** The account behind a `kid`, checked: one of this directory's, valid, its EAB key not revoked. */
export async function requireAccount(ctx: AcmeServerContext, kid: string): Promise<AcmeServerAccountRow | null> {
  const id = ctx.link.accountIdOf(kid);
  if (id === null) throw new AcmeServerProblem("malformed", '"kid" is not an account URL of this directory');
  const found = await accountById(ctx.db, id);
  if (!found) return null;
  const { account } = found;
  if (account.directoryId !== ctx.directory.id) throw new AcmeServerProblem("unauthorized", "the account belongs to another directory");
  // Read in the same statement: a directory deleted since the request's row was kept is answered a 404 by the caller.
  if (!found.directoryLive) throw new AcmeServerProblem("malformed", "this ACME directory was deleted");
  ctx.directoryConfirmed = true;
  if (account.status !== "valid") throw new AcmeServerProblem("unauthorized", `the account is ${account.status}`);
  bindingRevokedAtRead.set(account, found.bindingRevoked);
  return account;
}

/** Whether the account's EAB key was revoked since: its account may still read, never order or finalize. */
export async function requireUnrevokedBinding(ctx: AcmeServerContext, account: AcmeServerAccountRow): Promise<void> {
  let revoked = bindingRevokedAtRead.get(account);
  if (revoked === undefined) {
    const key = await eabKeyOf(ctx.db, ctx.directory.id, account.eabKeyId);
    revoked = !key || key.revokedAt !== null;
  }
  if (revoked) throw new AcmeServerProblem("unauthorized", "the external account binding of this account was revoked");
}

/** newAccount: `{status: 201 | 200, account}`; the Location is the account URL either way (RFC 8555 §7.3, §7.3.1). */
export async function newAccount(ctx: AcmeServerContext, verified: VerifiedJws): Promise<{ created: boolean; account: AcmeServerAccountRow }> {
  const payload = payloadObject(verified);
  const existing = await accountByKey(ctx.db, ctx.directory.id, verified.thumbprint);
  if (existing) {
    if (existing.status !== "valid") throw new AcmeServerProblem("unauthorized", `the account of this key is ${existing.status}`);
    return { created: false, account: existing };
  }
  if (payload.onlyReturnExisting === true) throw new AcmeServerProblem("accountDoesNotExist", "no account exists for this key (onlyReturnExisting)");
  if (payload.termsOfServiceAgreed !== undefined && typeof payload.termsOfServiceAgreed !== "boolean") throw new AcmeServerProblem("malformed", "termsOfServiceAgreed must be a boolean");
  const contact = contactOf(payload.contact);
  if (payload.externalAccountBinding === undefined) throw new AcmeServerProblem("externalAccountRequired", "this directory requires an external account binding (RFC 8555 §7.3.4): create an EAB key in Certdesk");
  const { keyId } = await verifyExternalAccountBinding(payload.externalAccountBinding, { jwk: verified.jwk, url: ctx.link.newAccount() }, async (kid: string) => {
    const key = await eabKeyOf(ctx.db, ctx.directory.id, kid);
    if (!key || key.revokedAt !== null) return null;
    return base64UrlToBytes(await openEabKey(ctx.encryptionKey, key));
  });
  const key = (await eabKeyOf(ctx.db, ctx.directory.id, keyId))!;
  if (key.accountId !== null) throw new AcmeServerProblem("unauthorized", "this external account binding key is already bound to another account");
  const row: AcmeServerAccountRow = {
    id: newId("acma"),
    directoryId: ctx.directory.id,
    teamId: ctx.directory.teamId,
    thumbprint: verified.thumbprint,
    jwk: verified.jwk as Record<string, unknown>,
    status: "valid",
    contact,
    eabKeyId: keyId,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  const [, inserted] = (await ctx.commitAs(accountActor(row.id))({
    teamId: row.teamId,
    statements: createAccountStatements(ctx.db, row),
    target: row.id,
    detail: { directoryId: row.directoryId, eabKeyId: keyId },
    recordIf: { holds: accountThere(row.id), checked: "after" },
  })) as [unknown, unknown[]];
  if (inserted.length === 0) {
    // Lost a race: the same key made its account meanwhile (answer it), or another key took this EAB key.
    const again = await accountByKey(ctx.db, ctx.directory.id, verified.thumbprint);
    if (again) return { created: false, account: again };
    throw new AcmeServerProblem("unauthorized", "this external account binding key is already bound to another account, or was revoked");
  }
  return { created: true, account: row };
}

/** POST to the account URL: POST-as-GET, a contact update, or deactivation (RFC 8555 §7.3.2, §7.3.6). */
export async function updateAccount(ctx: AcmeServerContext, account: AcmeServerAccountRow, verified: VerifiedJws): Promise<AcmeServerAccountRow> {
  if (verified.payload === undefined) return account;
  const payload = payloadObject(verified);
  const set: Partial<AcmeServerAccountRow> = { updatedAt: ctx.now };
  if (payload.status !== undefined) {
    if (payload.status !== "deactivated") throw new AcmeServerProblem("malformed", 'a client may only set status to "deactivated" (RFC 8555 §7.3.6)');
    set.status = "deactivated";
  }
  if (payload.contact !== undefined) set.contact = contactOf(payload.contact);
  if (set.status === undefined && set.contact === undefined) return account;
  const [updated] = (await ctx.commitAs(accountActor(account.id))({
    teamId: account.teamId,
    statements: [updateValidAccountStatement(ctx.db, account.id, set)],
    target: account.id,
    detail: { ...(set.status ? { status: set.status } : {}), ...(set.contact ? { contacts: set.contact.length } : {}) },
  })) as [AcmeServerAccountRow[]];
  if (updated.length === 0) throw new AcmeServerProblem("unauthorized", "the account is no longer valid");
  return updated[0]!;
}

/** Key rollover (RFC 8555 §7.3.5) once the inner JWS is verified: 409 with the other account when the key is taken. */
export async function changeAccountKey(ctx: AcmeServerContext, account: AcmeServerAccountRow, next: { jwk: JsonWebKey; thumbprint: string }): Promise<{ conflict: AcmeServerAccountRow | null; account: AcmeServerAccountRow }> {
  const holder = await accountByKey(ctx.db, ctx.directory.id, next.thumbprint);
  if (holder) return { conflict: holder, account };
  let updated: AcmeServerAccountRow[];
  try {
    [updated] = (await ctx.commitAs(accountActor(account.id))({
      teamId: account.teamId,
      statements: [updateValidAccountStatement(ctx.db, account.id, { jwk: next.jwk as Record<string, unknown>, thumbprint: next.thumbprint, updatedAt: ctx.now }, account.thumbprint)],
      target: account.id,
      detail: { keyChange: true },
    })) as [AcmeServerAccountRow[]];
  } catch (error) {
    // The unique (directory, thumbprint) index: another account took the key meanwhile.
    const taken = await accountByKey(ctx.db, ctx.directory.id, next.thumbprint);
    if (taken) return { conflict: taken, account };
    throw error;
  }
  if (updated.length === 0) throw new AcmeServerProblem("unauthorized", "the account changed meanwhile: its key or status is not what this request was signed with");
  return { conflict: null, account: updated[0]! };
}
