/** ACME account keys: ECDSA P-256 (ES256), exported as JWK JSON so the caller can seal and store them. */

const EC_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;

/** The public members of a JWK, as RFC 7638 and the ACME `jwk` header field use them. */
export type PublicJwk =
  | { kty: "EC"; crv: string; x: string; y: string }
  | { kty: "RSA"; n: string; e: string }
  | { kty: "OKP"; crv: string; x: string };

/** A new ECDSA P-256 account key pair; extractable so it can be exported and sealed. */
export async function generateAccountKey(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(EC_P256, true, ["sign", "verify"])) as CryptoKeyPair;
}

/** The key pair as a private JWK in JSON (contains `d`: seal it before storing). */
export async function exportAccountKey(keys: CryptoKeyPair): Promise<string> {
  const jwk = (await crypto.subtle.exportKey("jwk", keys.privateKey)) as JsonWebKey;
  return JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d });
}

/** The inverse of exportAccountKey. Throws a TypeError-free Error with a clear message on bad input. */
export async function importAccountKey(json: string): Promise<CryptoKeyPair> {
  let jwk: JsonWebKey;
  try {
    jwk = JSON.parse(json) as JsonWebKey;
  } catch {
    throw new Error("ACME account key is not valid JSON");
  }
  if (jwk.kty !== "EC" || jwk.crv !== "P-256" || !jwk.x || !jwk.y || !jwk.d) {
    throw new Error("ACME account key must be a private EC P-256 JWK");
  }
  const privateKey = await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, d: jwk.d, ext: true }, EC_P256, true, ["sign"]);
  const publicKey = await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, ext: true }, EC_P256, true, ["verify"]);
  return { privateKey, publicKey };
}

/** The public JWK with only the members RFC 7638 §3.2 requires (no `d`, `key_ops`, `ext`). */
export async function publicJwk(key: CryptoKey): Promise<PublicJwk> {
  const jwk = (await crypto.subtle.exportKey("jwk", key)) as JsonWebKey;
  return toPublicJwk(jwk);
}

/** Strips a JWK down to its required public members. */
export function toPublicJwk(jwk: JsonWebKey): PublicJwk {
  switch (jwk.kty) {
    case "EC":
      return { kty: "EC", crv: req(jwk.crv, "crv"), x: req(jwk.x, "x"), y: req(jwk.y, "y") };
    case "RSA":
      return { kty: "RSA", n: req(jwk.n, "n"), e: req(jwk.e, "e") };
    case "OKP":
      return { kty: "OKP", crv: req(jwk.crv, "crv"), x: req(jwk.x, "x") };
    default:
      throw new Error(`unsupported JWK key type ${String(jwk.kty)}`);
  }
}

function req(value: string | undefined, name: string): string {
  if (!value) throw new Error(`JWK is missing "${name}"`);
  return value;
}
