/** Flattened JWS for ACME requests (RFC 8555 §6.2, RFC 7515 §7.2.2) and JWK thumbprints (RFC 7638). */
import { bytesToBase64Url, sha256, utf8 } from "../crypto/encoding";
import { publicJwk, type PublicJwk } from "./account-key";

/** RFC 7515 §7.2.2 flattened JSON serialization, the only one ACME accepts (RFC 8555 §6.2). */
export interface FlattenedJws {
  protected: string;
  payload: string;
  signature: string;
}

/** RFC 8555 §6.2: the protected header carries alg, nonce, url and exactly one of jwk / kid. */
export interface JwsHeader {
  alg: string;
  nonce?: string;
  url: string;
  jwk?: PublicJwk;
  kid?: string;
}

export interface SignOptions {
  /** The signing key pair; the public half goes into `jwk` when no `kid` is given. */
  keys: CryptoKeyPair;
  url: string;
  nonce: string;
  /** RFC 8555 §6.2: `kid` (account URL) for everything except newAccount and revocation by certificate key. */
  kid?: string;
  /** An object (JSON-encoded) or `null` for POST-as-GET, whose payload is the empty string (RFC 8555 §6.3). */
  payload: unknown;
}

/** Signs an ACME request body. ECDSA signatures from WebCrypto are already R||S as JWS wants (RFC 7518 §3.4). */
export async function signJws(options: SignOptions): Promise<FlattenedJws> {
  const { alg, params } = signatureAlgorithm(options.keys.privateKey);
  const header: JwsHeader = { alg, nonce: options.nonce, url: options.url };
  if (options.kid !== undefined) header.kid = options.kid;
  else header.jwk = await publicJwk(options.keys.publicKey);
  const protectedB64 = encodeJson(header);
  const payloadB64 = options.payload === null ? "" : encodeJson(options.payload);
  const signingInput = utf8.encode(`${protectedB64}.${payloadB64}`);
  const signature = new Uint8Array(await crypto.subtle.sign(params, options.keys.privateKey, signingInput));
  return { protected: protectedB64, payload: payloadB64, signature: bytesToBase64Url(signature) };
}

/** The JWS `alg` and WebCrypto parameters for a signing key (RFC 7518 §3.1). */
export function signatureAlgorithm(key: CryptoKey): { alg: string; params: AlgorithmIdentifier | EcdsaParams | RsaPssParams } {
  const algorithm = key.algorithm as KeyAlgorithm & { namedCurve?: string; hash?: { name: string } };
  if (algorithm.name === "ECDSA") {
    if (algorithm.namedCurve === "P-256") return { alg: "ES256", params: { name: "ECDSA", hash: "SHA-256" } };
    if (algorithm.namedCurve === "P-384") return { alg: "ES384", params: { name: "ECDSA", hash: "SHA-384" } };
  }
  if (algorithm.name === "RSASSA-PKCS1-v1_5" && algorithm.hash?.name === "SHA-256") {
    return { alg: "RS256", params: { name: "RSASSA-PKCS1-v1_5" } };
  }
  if (algorithm.name === "Ed25519") return { alg: "EdDSA", params: { name: "Ed25519" } };
  throw new Error(`unsupported ACME signing key: ${algorithm.name} ${algorithm.namedCurve ?? algorithm.hash?.name ?? ""}`.trim());
}

/** RFC 7638 §3: SHA-256 over the required members in lexicographic order, no whitespace; base64url. */
export async function jwkThumbprint(jwk: PublicJwk | JsonWebKey): Promise<string> {
  let canonical: string;
  switch (jwk.kty) {
    case "EC":
      canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
      break;
    case "RSA":
      canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
      break;
    case "OKP":
      canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
      break;
    default:
      throw new Error(`unsupported JWK key type ${String(jwk.kty)}`);
  }
  return bytesToBase64Url(await sha256(canonical));
}

/** RFC 8555 §8.1: keyAuthorization = token || '.' || base64url(Thumbprint(accountKey)). */
export async function keyAuthorization(token: string, accountPublicKey: CryptoKey | PublicJwk): Promise<string> {
  const jwk = isCryptoKey(accountPublicKey) ? await publicJwk(accountPublicKey) : accountPublicKey;
  return `${token}.${await jwkThumbprint(jwk)}`;
}

/** RFC 8555 §8.4: the TXT record value at _acme-challenge.<domain> is base64url(SHA-256(keyAuthorization)). */
export async function dns01TxtValue(keyAuthz: string): Promise<string> {
  return bytesToBase64Url(await sha256(keyAuthz));
}

export function encodeJson(value: unknown): string {
  return bytesToBase64Url(utf8.encode(JSON.stringify(value)));
}

function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof value === "object" && value !== null && "algorithm" in value && "type" in value && !("kty" in value);
}
