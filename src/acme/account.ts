/** Accounts (RFC 8555 §7.3): create, look up an existing one, external account binding. */
import { publicJwk } from "./account-key";
import type { AcmeContext } from "./context";
import { signExternalAccountBinding, type ExternalAccountBinding } from "./eab";
import { ACME_ERROR_NAMESPACE, AcmeProblem, isAcmeProblem } from "./problem";
import { accountSchema, type AcmeAccount } from "./resources";
import { parseJsonBody, requireLocation } from "./transport";

export interface CreateAccountOptions {
  contact?: string[];
  /** RFC 8555 §7.3: the client MUST show the user the terms; passing true records their agreement. */
  termsOfServiceAgreed: boolean;
  /** RFC 8555 §7.3.4, for CAs whose directory says `externalAccountRequired`. */
  externalAccountBinding?: ExternalAccountBinding;
}

export interface AccountResult {
  accountUrl: string;
  account: AcmeAccount;
  /** False when the key already had an account (RFC 8555 §7.3.1: 200 instead of 201). */
  created: boolean;
}

/** RFC 8555 §7.3: POST newAccount signed with `jwk`; the Location header is the account URL (`kid` from now on). */
export async function createAccount(ctx: AcmeContext, options: CreateAccountOptions): Promise<AccountResult> {
  const directory = await ctx.directory();
  if (directory.meta?.externalAccountRequired && !options.externalAccountBinding) {
    // RFC 8555 §7.3.4: the server would refuse with externalAccountRequired; say so without a round trip.
    throw new AcmeProblem({
      type: `${ACME_ERROR_NAMESPACE}externalAccountRequired`,
      detail: "this CA requires an external account binding (EAB key id and MAC key)",
      status: 400,
    });
  }
  const payload: Record<string, unknown> = { termsOfServiceAgreed: options.termsOfServiceAgreed };
  if (options.contact?.length) payload.contact = options.contact;
  if (options.externalAccountBinding) {
    payload.externalAccountBinding = await signExternalAccountBinding(options.externalAccountBinding, await publicJwk(ctx.keys.publicKey), directory.newAccount);
  }
  const response = await ctx.transport.post({ kind: "newAccount", url: directory.newAccount, payload, keys: ctx.keys });
  const accountUrl = requireLocation(response, "newAccount");
  const account = parseJsonBody(response, accountSchema, "account");
  ctx.accountUrl = accountUrl;
  return { accountUrl, account, created: response.status === 201 };
}

/** RFC 8555 §7.3.1: `onlyReturnExisting` finds the account for this key without creating one; null when none. */
export async function findAccount(ctx: AcmeContext): Promise<AccountResult | null> {
  const directory = await ctx.directory();
  try {
    const response = await ctx.transport.post({ kind: "newAccount", url: directory.newAccount, payload: { onlyReturnExisting: true }, keys: ctx.keys });
    const accountUrl = requireLocation(response, "newAccount");
    const account = parseJsonBody(response, accountSchema, "account");
    ctx.accountUrl = accountUrl;
    return { accountUrl, account, created: false };
  } catch (error) {
    if (isAcmeProblem(error, "accountDoesNotExist")) return null;
    throw error;
  }
}
