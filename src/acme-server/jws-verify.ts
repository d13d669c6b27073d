/** Authenticating an ACME request (RFC 8555 §6.2-6.5): the JWS checks in a fixed order, each with its problem type. */
import { jwkThumbprint } from "../acme/jws";
import { utf8 } from "../crypto/encoding";
import { decodeJsonWithText, parseFlattenedJws } from "./jws-parse";
import { checkPublicJwk, importVerifyKey, requireJwsAlgorithm, verifyJwsSignature } from "./jws-keys";
import { AcmeServerProblem } from "./problems";

export { jwsSigningInput } from "./jws-parse";

/** The largest request body read by default: a finalize with a 4096-bit CSR of 100 names is about 20 KB. */
export const DEFAULT_MAX_JWS_BYTES = 64 * 1024;

/** RFC 8555 §6.2: every ACME POST body is a JWS in this media type. */
export const JOSE_CONTENT_TYPE = "application/jose+json";

export interface JwsVerifyOptions {
  /** The canonical URL of this request; the protected `url` must equal it (RFC 8555 §6.4). */
  url: string;
  /** RFC 8555 §6.2: `jwk` for newAccount and revokeCert by certificate key, `kid` for everything else. */
  key: "jwk" | "kid" | "either";
  /**
   * The account key for a `kid`. May itself throw an AcmeServerProblem (`malformed` for a kid that is not one of our
   * account URLs, `unauthorized` for a deactivated account or one of another directory); null → accountDoesNotExist.
   */
  accountKey(kid: string): Promise<JsonWebKey | null>;
  /** Spends a nonce: true once for a nonce the server issued, false otherwise (→ badNonce). */
  redeemNonce(nonce: string): Promise<boolean>;
  /** Bodies longer than this (bytes) are refused; default DEFAULT_MAX_JWS_BYTES. */
  maxBodyBytes?: number;
}

export interface VerifiedJws {
  header: { alg: string; nonce: string; url: string; kid?: string; jwk?: JsonWebKey };
  /** The decoded JSON payload; undefined for an empty payload, i.e. POST-as-GET (RFC 8555 §6.3). */
  payload: unknown | undefined;
  /** The payload as text ("" for POST-as-GET). */
  payloadText: string;
  /** The public key that verified the signature (the header's `jwk`, or the account's key for a `kid`). */
  jwk: JsonWebKey;
  /** RFC 7638 thumbprint of `jwk`. */
  thumbprint: string;
  protectedB64: string;
  payloadB64: string;
}

/**
 * Checks an ACME POST in Boulder's order (RFC 8555 §6.2-6.5), throwing the AcmeServerProblem of the first failure:
 * content type and size, flattened serialization, `alg`, `jwk` xor `kid`, the key, the signature, and only then the
 * nonce (junk costs no nonce write), the `url`, and the payload's JSON.
 */
export async function verifyJwsRequest(body: string, contentType: string | undefined, options: JwsVerifyOptions): Promise<VerifiedJws> {
  checkContentType(contentType);
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_JWS_BYTES;
  if (body.length === 0) throw new AcmeServerProblem("malformed", "the request body is empty; ACME requests are JWS (RFC 8555 §6.2)");
  // A UTF-16 unit is at least one UTF-8 byte, so the cheap test first.
  if (body.length > maxBytes || utf8.encode(body).length > maxBytes) throw new AcmeServerProblem("malformed", `the request body is larger than ${maxBytes} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new AcmeServerProblem("malformed", "the request body is not JSON");
  }
  const jws = parseFlattenedJws(json);
  const { header } = jws;
  const alg = requireJwsAlgorithm(header.alg);

  // RFC 8555 §6.2: exactly one of "jwk" and "kid", and the one the resource takes.
  const hasJwk = header.jwk !== undefined;
  const hasKid = header.kid !== undefined;
  if (hasJwk && hasKid) throw new AcmeServerProblem("malformed", 'the protected header has both "jwk" and "kid"; RFC 8555 §6.2 allows exactly one');
  if (!hasJwk && !hasKid) throw new AcmeServerProblem("malformed", 'the protected header has neither "jwk" nor "kid" (RFC 8555 §6.2)');
  if (options.key === "jwk" && !hasJwk) throw new AcmeServerProblem("malformed", 'this resource takes a JWS with "jwk", not "kid" (RFC 8555 §6.2)');
  if (options.key === "kid" && !hasKid) throw new AcmeServerProblem("malformed", 'this resource takes a JWS with "kid" (the account URL), not "jwk" (RFC 8555 §6.2)');

  let kid: string | undefined;
  let jwk;
  if (hasJwk) {
    jwk = checkPublicJwk(header.jwk, alg);
  } else {
    if (typeof header.kid !== "string" || header.kid === "") throw new AcmeServerProblem("malformed", '"kid" is not an account URL');
    kid = header.kid;
    const stored = await options.accountKey(kid);
    if (stored === null) throw new AcmeServerProblem("accountDoesNotExist", "no account has this kid");
    jwk = checkPublicJwk(stored, alg, "the account key");
  }
  const key = await importVerifyKey(jwk, alg);
  if (!(await verifyJwsSignature(alg, key, jws))) throw new AcmeServerProblem("malformed", "the JWS signature does not verify");

  // RFC 8555 §6.5: verified first, so only a genuine request spends its nonce.
  const nonce = header.nonce;
  if (typeof nonce !== "string" || nonce === "") throw new AcmeServerProblem("badNonce", 'the protected header has no "nonce" (RFC 8555 §6.5)');
  if (!(await options.redeemNonce(nonce))) throw new AcmeServerProblem("badNonce", "the nonce is unknown, expired or already used; get a fresh one (RFC 8555 §6.5)");

  // RFC 8555 §6.4: the signed URL must be the one requested, else "unauthorized".
  if (typeof header.url !== "string") throw new AcmeServerProblem("unauthorized", 'the protected header has no "url" (RFC 8555 §6.4)');
  if (header.url !== options.url) throw new AcmeServerProblem("unauthorized", `the protected "url" is not this request's URL ${options.url} (RFC 8555 §6.4)`);

  const { payload, payloadText } = decodePayload(jws.payloadB64);
  return {
    header: { alg, nonce, url: header.url, ...(kid !== undefined ? { kid } : { jwk }) },
    payload,
    payloadText,
    jwk,
    thumbprint: await jwkThumbprint(jwk),
    protectedB64: jws.protectedB64,
    payloadB64: jws.payloadB64,
  };
}

/** RFC 8555 §6.3: a POST-as-GET has an empty payload; anything else on such a resource is `malformed`. */
export function requirePostAsGet(verified: VerifiedJws): void {
  if (verified.payloadB64 !== "") throw new AcmeServerProblem("malformed", "this resource takes POST-as-GET: the JWS payload must be empty (RFC 8555 §6.3)");
}

/** RFC 8555 §6.2: `application/jose+json` (parameters such as charset are tolerated). */
function checkContentType(contentType: string | undefined): void {
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== JOSE_CONTENT_TYPE) {
    throw new AcmeServerProblem("malformed", `the Content-Type must be ${JOSE_CONTENT_TYPE} (RFC 8555 §6.2), not ${contentType ? `"${contentType.slice(0, 60)}"` : "missing"}`);
  }
}

function decodePayload(payloadB64: string): { payload: unknown | undefined; payloadText: string } {
  if (payloadB64 === "") return { payload: undefined, payloadText: "" };
  const { value, text } = decodeJsonWithText(payloadB64, "the JWS payload");
  return { payload: value, payloadText: text };
}
