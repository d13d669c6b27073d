/** Account key rollover on the server side (RFC 8555 §7.3.5): checking the inner JWS that the new key signed. */
import { jwkThumbprint } from "../acme/jws";
import { sameKey } from "./eab-verify";
import { decodeJson, parseFlattenedJws } from "./jws-parse";
import { checkPublicJwk, importVerifyKey, requireJwsAlgorithm, verifyJwsSignature } from "./jws-keys";
import type { VerifiedJws } from "./jws-verify";
import { AcmeServerProblem } from "./problems";

/**
 * RFC 8555 §7.3.5 steps 2-8 for an outer request already verified with the account's `kid`: its payload must be a
 * flattened JWS signed by the new key in its `jwk`, with the outer `url`, no `nonce`, and the payload
 * {account: <the outer kid>, oldKey: <the account's current key>}; every failure is `malformed`. Returns the new key.
 * Step 9 is the caller's: if an account already has the new key, answer 409 with that account's Location.
 */
export async function verifyKeyChange(outer: VerifiedJws): Promise<{ jwk: JsonWebKey; thumbprint: string }> {
  const what = "the inner JWS";
  const accountUrl = outer.header.kid;
  if (accountUrl === undefined) throw new AcmeServerProblem("malformed", 'keyChange must be signed with the account\'s current key, by "kid" (RFC 8555 §7.3.5)');
  if (outer.payload === undefined) throw new AcmeServerProblem("malformed", "keyChange needs the inner JWS as its payload (RFC 8555 §7.3.5)");
  const inner = parseFlattenedJws(outer.payload, what);
  const { header } = inner;
  const alg = requireJwsAlgorithm(header.alg, what);
  if (header.jwk === undefined) throw new AcmeServerProblem("malformed", `${what} must carry the new key in "jwk" (RFC 8555 §7.3.5)`);
  if (header.kid !== undefined) throw new AcmeServerProblem("malformed", `${what} must have "jwk", not "kid" (RFC 8555 §7.3.5)`);
  if ("nonce" in header) throw new AcmeServerProblem("malformed", `${what} must not have a "nonce" (RFC 8555 §7.3.5)`);
  const jwk = checkPublicJwk(header.jwk, alg, `${what} jwk`);
  const key = await importVerifyKey(jwk, alg, `${what} jwk`);
  if (!(await verifyJwsSignature(alg, key, inner))) throw new AcmeServerProblem("malformed", `${what} signature does not verify with its jwk`);
  if (header.url !== outer.header.url) throw new AcmeServerProblem("malformed", `${what} "url" must equal the outer JWS's (RFC 8555 §7.3.5)`);

  const payload = inner.payloadB64 === "" ? undefined : decodeJson(inner.payloadB64, `${what} payload`);
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new AcmeServerProblem("malformed", `${what} payload must be {"account", "oldKey"} (RFC 8555 §7.3.5)`);
  }
  const request = payload as Record<string, unknown>;
  if (request.account !== accountUrl) throw new AcmeServerProblem("malformed", `${what} "account" is not the account whose kid signed the request (RFC 8555 §7.3.5)`);
  if (!(await sameKey(request.oldKey, outer.jwk))) throw new AcmeServerProblem("malformed", `${what} "oldKey" is not the account's current key (RFC 8555 §7.3.5)`);
  return { jwk, thumbprint: await jwkThumbprint(jwk) };
}
