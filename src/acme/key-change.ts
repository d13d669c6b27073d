/** Account key rollover (RFC 8555 §7.3.5): the account keeps its URL, orders and certificates under a new key. */
import { bytesToBase64Url, utf8 } from "../crypto/encoding";
import { findAccount } from "./account";
import { publicJwk } from "./account-key";
import { postWithKid, requireKid, type AcmeContext } from "./context";
import { encodeJson, signatureAlgorithm, type FlattenedJws } from "./jws";
import { AcmeProblem } from "./problem";

/** Not an RFC type: the CA's directory has no `keyChange` URL, so this CA cannot move an account to another key. */
const NO_KEY_CHANGE_TYPE = "urn:certdesk:acme:error:keyChangeUnsupported";

export interface KeyChangeResult {
  /** The account's URL, unchanged (RFC 8555 §7.3.5 replaces the key, not the account). */
  accountUrl: string;
  /**
   * True when the CA refused the request yet the account already holds the new key: the answer to an earlier
   * attempt was lost (see REPEAT_AFTER_LOST_ANSWER.keyChange), or the CA said 409 for this very account.
   */
  confirmedByLookup: boolean;
}

/**
 * RFC 8555 §7.3.5: POST to keyChange an outer JWS signed by the current key (`kid`) whose payload is an inner JWS
 * signed by `newKeys` (`jwk`) over {account, oldKey}. On success the context signs with `newKeys` from then on.
 */
export async function changeAccountKey(ctx: AcmeContext, newKeys: CryptoKeyPair): Promise<KeyChangeResult> {
  const accountUrl = requireKid(ctx);
  const { keyChange } = await ctx.directory();
  if (!keyChange) throw new AcmeProblem({ type: NO_KEY_CHANGE_TYPE, detail: "the CA's directory offers no keyChange URL (RFC 8555 §7.3.5)" });
  const inner = await signInnerJws(newKeys, keyChange, { account: accountUrl, oldKey: await publicJwk(ctx.keys.publicKey) });
  let confirmedByLookup = false;
  try {
    await postWithKid(ctx, "keyChange", keyChange, inner);
  } catch (error) {
    // The change may already have been made: a repeat's outer JWS then no longer verifies, and a CA that checks
    // the new key first answers 409 (RFC 8555 §7.3.5). Only the CA knows: ask it with the new key.
    if (!(error instanceof AcmeProblem && (error.afterLostAnswer || error.status === 409))) throw error;
    if (!(await accountHoldsKey(ctx, newKeys, accountUrl))) throw error;
    confirmedByLookup = true;
  }
  ctx.keys = newKeys;
  return { accountUrl, confirmedByLookup };
}

/** RFC 8555 §7.3.1: whether `keys` finds the account `accountUrl` (newAccount with onlyReturnExisting, signed with `jwk`). */
async function accountHoldsKey(ctx: AcmeContext, keys: CryptoKeyPair, accountUrl: string): Promise<boolean> {
  const found = await findAccount({ ...ctx, keys, accountUrl: undefined });
  return found?.accountUrl === accountUrl;
}

/**
 * RFC 8555 §7.3.5: the inner JWS has `alg`, `jwk` and `url` (the outer JWS's) and MUST NOT have a `nonce`; so
 * it is not signJws's output, and a repeat of the outer request sends it unchanged.
 */
async function signInnerJws(keys: CryptoKeyPair, url: string, payload: { account: string; oldKey: unknown }): Promise<FlattenedJws> {
  const { alg, params } = signatureAlgorithm(keys.privateKey);
  const protectedB64 = encodeJson({ alg, jwk: await publicJwk(keys.publicKey), url });
  const payloadB64 = encodeJson(payload);
  const signature = new Uint8Array(await crypto.subtle.sign(params, keys.privateKey, utf8.encode(`${protectedB64}.${payloadB64}`)));
  return { protected: protectedB64, payload: payloadB64, signature: bytesToBase64Url(signature) };
}
