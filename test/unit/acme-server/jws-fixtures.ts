/** Test keys of every accepted kind (generated at test time) and a signer for arbitrary protected headers. */
import { publicJwk } from "../../../src/acme/account-key";
import { encodeJson, type FlattenedJws } from "../../../src/acme/jws";
import { bytesToBase64Url, utf8 } from "../../../src/crypto/encoding";

export type KeyKind = "ES256" | "ES384" | "ES512" | "RS256" | "EdDSA";

const GENERATE: Record<KeyKind, { generate: EcKeyGenParams | RsaHashedKeyGenParams | Algorithm; sign: Algorithm | EcdsaParams }> = {
  ES256: { generate: { name: "ECDSA", namedCurve: "P-256" } as EcKeyGenParams, sign: { name: "ECDSA", hash: "SHA-256" } as EcdsaParams },
  ES384: { generate: { name: "ECDSA", namedCurve: "P-384" } as EcKeyGenParams, sign: { name: "ECDSA", hash: "SHA-384" } as EcdsaParams },
  ES512: { generate: { name: "ECDSA", namedCurve: "P-521" } as EcKeyGenParams, sign: { name: "ECDSA", hash: "SHA-512" } as EcdsaParams },
  RS256: {
    generate: { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" } as RsaHashedKeyGenParams,
    sign: { name: "RSASSA-PKCS1-v1_5" },
  },
  EdDSA: { generate: { name: "Ed25519" }, sign: { name: "Ed25519" } },
};

export interface TestKey {
  kind: KeyKind;
  keys: CryptoKeyPair;
  jwk: JsonWebKey;
}

export async function generateTestKey(kind: KeyKind, generate?: RsaHashedKeyGenParams): Promise<TestKey> {
  const keys = (await crypto.subtle.generateKey(generate ?? GENERATE[kind].generate, true, ["sign", "verify"])) as CryptoKeyPair;
  return { kind, keys, jwk: await publicJwk(keys.publicKey) };
}

/** Signs `header` and `payload` (an object, null for the empty payload, or a raw base64url string) with `key`. */
export async function signRaw(key: TestKey, header: Record<string, unknown>, payload: unknown): Promise<FlattenedJws> {
  const protectedB64 = encodeJson(header);
  const payloadB64 = payload === null ? "" : typeof payload === "string" ? payload : encodeJson(payload);
  const signature = await crypto.subtle.sign(GENERATE[key.kind].sign, key.keys.privateKey, utf8.encode(`${protectedB64}.${payloadB64}`));
  return { protected: protectedB64, payload: payloadB64, signature: bytesToBase64Url(new Uint8Array(signature)) };
}

/** A JWS as a request body. */
export const body = (jws: unknown): string => JSON.stringify(jws);

/** base64url of a string. */
export const b64 = (text: string): string => bytesToBase64Url(utf8.encode(text));
