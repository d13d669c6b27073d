/** Account keys the ACME server accepts (RFC 8555 §6.2, RFC 7518 §3): the `alg` list, key policy, WebCrypto verify. */
import { toPublicJwk, type PublicJwk } from "../acme/account-key";
import { jwsSigningInput, decodeBase64Url } from "./jws-parse";
import { AcmeServerProblem } from "./problems";

/** RFC 8555 §6.2: ES256 is required, EdDSA recommended; never `none` or a MAC (HS*) on a request. */
export const JWS_ALGORITHMS = ["ES256", "ES384", "ES512", "RS256", "EdDSA"] as const;
export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number];

interface AlgorithmSpec {
  kty: "EC" | "RSA" | "OKP";
  /** The `crv` the key must have (EC and OKP). */
  crv?: string;
  /** Coordinate size in bytes (EC: x, y and each half of R||S, RFC 7518 §3.4; OKP: x). */
  size?: number;
  importParams: EcKeyImportParams | RsaHashedImportParams | Algorithm;
  verifyParams: EcdsaParams | Algorithm;
}

/** RFC 7518 §3.1 and RFC 8037 §3.1: what each `alg` means for the key and the signature. */
const ALGORITHMS: Record<JwsAlgorithm, AlgorithmSpec> = {
  ES256: { kty: "EC", crv: "P-256", size: 32, importParams: { name: "ECDSA", namedCurve: "P-256" }, verifyParams: { name: "ECDSA", hash: "SHA-256" } },
  ES384: { kty: "EC", crv: "P-384", size: 48, importParams: { name: "ECDSA", namedCurve: "P-384" }, verifyParams: { name: "ECDSA", hash: "SHA-384" } },
  ES512: { kty: "EC", crv: "P-521", size: 66, importParams: { name: "ECDSA", namedCurve: "P-521" }, verifyParams: { name: "ECDSA", hash: "SHA-512" } },
  RS256: { kty: "RSA", importParams: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verifyParams: { name: "RSASSA-PKCS1-v1_5" } },
  EdDSA: { kty: "OKP", crv: "Ed25519", size: 32, importParams: { name: "Ed25519" }, verifyParams: { name: "Ed25519" } },
};

/** RSA moduli outside this range are refused: smaller are weak, larger cost verification time for nothing. */
const RSA_MIN_BITS = 2048;
const RSA_MAX_BITS = 4096;

/** JWK members that only a private (or symmetric) key has: RFC 7518 §6.2.2, §6.3.2, §6.4 and RFC 8037 §2. */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/** True for an `alg` the server verifies. */
export function isJwsAlgorithm(alg: unknown): alg is JwsAlgorithm {
  return typeof alg === "string" && (JWS_ALGORITHMS as readonly string[]).includes(alg);
}

/** RFC 8555 §6.2: an unsupported `alg` is `badSignatureAlgorithm`, listing the supported ones. */
export function requireJwsAlgorithm(alg: unknown, what = "JWS"): JwsAlgorithm {
  if (isJwsAlgorithm(alg)) return alg;
  const shown = typeof alg === "string" ? `"${alg.slice(0, 40)}"` : "missing";
  throw new AcmeServerProblem("badSignatureAlgorithm", `${what} alg ${shown} is not supported; use one of ${JWS_ALGORITHMS.join(", ")}`, { algorithms: JWS_ALGORITHMS });
}

/**
 * The public key in `value`, checked for use with `alg`: a JWK with its public members only (else `malformed`), of
 * the key type and curve `alg` names, RSA of 2048-4096 bits with exponent 65537 (else `badPublicKey`).
 */
export function checkPublicJwk(value: unknown, alg: JwsAlgorithm, what = "jwk"): PublicJwk {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new AcmeServerProblem("malformed", `${what} is not a JSON object`);
  const jwk = value as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) throw new AcmeServerProblem("malformed", `${what} holds private or symmetric key material; send the public key only`);
  const spec = ALGORITHMS[alg];
  if (typeof jwk.kty !== "string") throw new AcmeServerProblem("malformed", `${what} has no "kty"`);
  if (jwk.kty !== spec.kty) throw new AcmeServerProblem("badPublicKey", `${what} is a ${jwk.kty.slice(0, 10)} key; alg ${alg} needs kty ${spec.kty}`);
  for (const member of spec.kty === "RSA" ? ["n", "e"] : spec.kty === "EC" ? ["crv", "x", "y"] : ["crv", "x"]) {
    if (typeof jwk[member] !== "string") throw new AcmeServerProblem("malformed", `${what} has no "${member}" string`);
  }
  if (spec.crv !== undefined && jwk.crv !== spec.crv) {
    throw new AcmeServerProblem("badPublicKey", `${what} curve "${String(jwk.crv).slice(0, 20)}" does not match alg ${alg}, which needs ${spec.crv}`);
  }
  if (spec.kty === "RSA") checkRsa(jwk, what);
  else {
    for (const member of spec.kty === "EC" ? ["x", "y"] : ["x"]) {
      if (decodeBase64Url(jwk[member] as string, `${what} "${member}"`).length !== spec.size) {
        throw new AcmeServerProblem("badPublicKey", `${what} "${member}" is not ${spec.size} bytes as ${spec.crv} needs (RFC 7518 §6.2.1, RFC 8037 §2)`);
      }
    }
  }
  return toPublicJwk(jwk as JsonWebKey);
}

/** RFC 7518 §6.3.1: n and e are unsigned big-endian integers in base64url. */
function checkRsa(jwk: Record<string, unknown>, what: string): void {
  const e = decodeBase64Url(jwk.e as string, `${what} "e"`);
  if (!(e.length === 3 && e[0] === 1 && e[1] === 0 && e[2] === 1)) throw new AcmeServerProblem("badPublicKey", `${what} RSA exponent must be 65537 ("AQAB")`);
  const n = decodeBase64Url(jwk.n as string, `${what} "n"`);
  let start = 0;
  while (start < n.length && n[start] === 0) start++;
  const bits = start === n.length ? 0 : (n.length - start - 1) * 8 + (32 - Math.clz32(n[start]!));
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
    throw new AcmeServerProblem("badPublicKey", `${what} RSA modulus has ${bits} bits; ${RSA_MIN_BITS} to ${RSA_MAX_BITS} are accepted`);
  }
}

/** The WebCrypto key for a checked JWK; one the platform refuses (an EC point not on its curve) is `badPublicKey`. */
export async function importVerifyKey(jwk: PublicJwk, alg: JwsAlgorithm, what = "jwk"): Promise<CryptoKey> {
  try {
    return await crypto.subtle.importKey("jwk", { ...jwk, ext: true } as JsonWebKey, ALGORITHMS[alg].importParams, false, ["verify"]);
  } catch {
    throw new AcmeServerProblem("badPublicKey", `${what} is not a valid ${alg} public key`);
  }
}

/** Whether `signature` is `key`'s over the JWS signing input. A signature of the wrong shape is simply false. */
export async function verifyJwsSignature(alg: JwsAlgorithm, key: CryptoKey, jws: { protectedB64: string; payloadB64: string; signature: Uint8Array<ArrayBuffer> }): Promise<boolean> {
  const spec = ALGORITHMS[alg];
  // RFC 7518 §3.4: an ECDSA JWS signature is R||S, each exactly the coordinate size (and Ed25519's is 64 bytes).
  if (spec.size !== undefined && jws.signature.length !== spec.size * 2) return false;
  try {
    return await crypto.subtle.verify(spec.verifyParams, key, jws.signature, jwsSigningInput(jws));
  } catch {
    return false;
  }
}
