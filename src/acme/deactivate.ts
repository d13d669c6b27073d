/** Account deactivation (RFC 8555 §7.3.6): the CA refuses every later request from the account, for good. */
import { postWithKid, requireKid, type AcmeContext } from "./context";
import { isAcmeProblem } from "./problem";
import { accountSchema, type AcmeAccount } from "./resources";
import { parseJsonBody } from "./transport";

/** RFC 8555 §7.3.6: POST {status: "deactivated"} to the account URL; the CA answers with the account object. */
export async function deactivateAccount(ctx: AcmeContext): Promise<AcmeAccount> {
  const accountUrl = requireKid(ctx);
  try {
    return parseJsonBody(await postWithKid(ctx, "deactivateAccount", accountUrl, { status: "deactivated" }), accountSchema, "account");
  } catch (error) {
    // RFC 8555 §7.3.6: a deactivated account's requests are refused with unauthorized. After a lost answer that
    // refusal is the read-back (the account itself can no longer be read): the first attempt took effect.
    if (isAcmeProblem(error, "unauthorized") && error.afterLostAnswer) return { status: "deactivated" };
    throw error;
  }
}
