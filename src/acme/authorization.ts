/** Authorizations and challenges (RFC 8555 §7.5): read, respond, deactivate. */
import { postAsGet, postWithKid, type AcmeContext } from "./context";
import { authorizationSchema, challengeSchema, type AcmeAuthorization, type AcmeChallenge } from "./resources";
import { AcmeProblem } from "./problem";
import { parseJsonBody } from "./transport";

/** RFC 8555 §7.5: the authorization's current state, by POST-as-GET. */
export async function getAuthorization(ctx: AcmeContext, url: string): Promise<AcmeAuthorization> {
  const response = await postAsGet(ctx, url);
  const authorization = parseJsonBody(response, authorizationSchema, "authorization");
  return { ...authorization, url, ...(response.retryAfter !== undefined ? { retryAfter: response.retryAfter } : {}) };
}

/**
 * RFC 8555 §7.5.1: POST `{}` to the challenge URL once the response (HTTP resource, TXT record) is in place.
 * The CA then validates asynchronously; poll the authorization.
 */
export async function respondToChallenge(ctx: AcmeContext, challengeUrl: string): Promise<AcmeChallenge> {
  try {
    return parseJsonBody(await postWithKid(ctx, "challenge", challengeUrl, {}), challengeSchema, "challenge");
  } catch (error) {
    // An answer whose response was lost may have started validation: the repeat is then refused, and the
    // challenge, no longer pending, says so.
    if (error instanceof AcmeProblem && error.afterLostAnswer) {
      const current = parseJsonBody(await postAsGet(ctx, challengeUrl), challengeSchema, "challenge");
      if (current.status !== "pending") return current;
    }
    throw error;
  }
}

/** RFC 8555 §7.5.2: give up an authorization (e.g. after a cancelled order). */
export async function deactivateAuthorization(ctx: AcmeContext, url: string): Promise<AcmeAuthorization> {
  const response = await postWithKid(ctx, "deactivate", url, { status: "deactivated" });
  const authorization = parseJsonBody(response, authorizationSchema, "authorization");
  return { ...authorization, url };
}
