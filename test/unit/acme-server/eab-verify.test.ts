/**
 * External account binding (RFC 8555 §7.3.4) as the server checks it: the client's own signExternalAccountBinding
 * gives the good binding, each bad one changes one thing; generated EAB keys suit certbot, lego and cert-manager.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { PublicJwk } from "../../../src/acme/account-key";
import { signExternalAccountBinding } from "../../../src/acme/eab";
import { encodeJson } from "../../../src/acme/jws";
import { generateEabKey, verifyExternalAccountBinding } from "../../../src/acme-server/eab-verify";
import { AcmeServerProblem, type AcmeProblemType } from "../../../src/acme-server/problems";
import { base64UrlToBytes, bytesToBase64Url, utf8 } from "../../../src/crypto/encoding";
import { b64, generateTestKey, type TestKey } from "./jws-fixtures";

const NEW_ACCOUNT_URL = "https://certdesk.test/acme/dir_1/new-account";

let account: TestKey;
let other: TestKey;
let keyId: string;
let hmacKey: string;

beforeAll(async () => {
  [account, other] = await Promise.all([generateTestKey("ES256"), generateTestKey("EdDSA")]);
  ({ keyId, hmacKey } = generateEabKey());
});

/** The server's key store: only `keyId` is known; `lookups` records every kid asked for. */
function keyStore() {
  const lookups: string[] = [];
  return {
    lookups,
    hmacKeyFor: async (kid: string) => {
      lookups.push(kid);
      return kid === keyId ? base64UrlToBytes(hmacKey) : null;
    },
  };
}

/** A binding with any header and payload, MAC'd with `key` (base64url) under `hash`. */
async function macBinding(header: Record<string, unknown>, payload: unknown, key = hmacKey, hash = "SHA-256") {
  const protectedB64 = encodeJson(header);
  const payloadB64 = encodeJson(payload);
  const cryptoKey = await crypto.subtle.importKey("raw", base64UrlToBytes(key), { name: "HMAC", hash }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", cryptoKey, utf8.encode(`${protectedB64}.${payloadB64}`));
  return { protected: protectedB64, payload: payloadB64, signature: bytesToBase64Url(new Uint8Array(mac)) };
}

const clientBinding = () => signExternalAccountBinding({ kid: keyId, hmacKeyB64url: hmacKey }, account.jwk as PublicJwk, NEW_ACCOUNT_URL);
const outer = () => ({ jwk: account.jwk, url: NEW_ACCOUNT_URL });

describe("verifyExternalAccountBinding: good bindings", () => {
  it("accepts the binding our ACME client signs, and answers its key identifier", async () => {
    const store = keyStore();
    await expect(verifyExternalAccountBinding(await clientBinding(), outer(), store.hmacKeyFor)).resolves.toEqual({ keyId });
    expect(store.lookups).toEqual([keyId]);
  });

  it.each([
    ["HS256", "SHA-256"],
    ["HS384", "SHA-384"],
    ["HS512", "SHA-512"],
  ])("accepts %s", async (alg, hash) => {
    const binding = await macBinding({ alg, kid: keyId, url: NEW_ACCOUNT_URL }, account.jwk, hmacKey, hash);
    await expect(verifyExternalAccountBinding(binding, outer(), keyStore().hmacKeyFor)).resolves.toEqual({ keyId });
  });

  it("compares the payload with the account key by thumbprint, not by its JSON text", async () => {
    const reordered = { y: account.jwk.y, x: account.jwk.x, kty: "EC", crv: "P-256", use: "sig" };
    const binding = await macBinding({ alg: "HS256", kid: keyId, url: NEW_ACCOUNT_URL }, reordered);
    await expect(verifyExternalAccountBinding(binding, outer(), keyStore().hmacKeyFor)).resolves.toEqual({ keyId });
  });
});

interface BadBinding {
  name: string;
  make: () => Promise<unknown>;
  type: AcmeProblemType;
  detail: RegExp;
  /** Whether the key store is asked (only once the binding is well formed). */
  looksUp: boolean;
}

const header = (extra: Record<string, unknown> = {}) => ({ alg: "HS256", kid: keyId, url: NEW_ACCOUNT_URL, ...extra });

const badBindings: BadBinding[] = [
  { name: "not an object", make: async () => "binding", type: "malformed", detail: /not a JSON object/, looksUp: false },
  { name: "general serialization", make: async () => ({ payload: (await clientBinding()).payload, signatures: [] }), type: "malformed", detail: /general JSON serialization/, looksUp: false },
  { name: "unprotected header", make: async () => ({ ...(await clientBinding()), header: { kid: keyId } }), type: "malformed", detail: /unprotected header/, looksUp: false },
  { name: "alg ES256 (not a MAC)", make: () => macBinding(header({ alg: "ES256" }), account.jwk), type: "malformed", detail: /alg must be one of HS256, HS384, HS512/, looksUp: false },
  { name: "alg none", make: () => macBinding(header({ alg: "none" }), account.jwk), type: "malformed", detail: /alg must be/, looksUp: false },
  { name: "no kid", make: () => macBinding({ alg: "HS256", url: NEW_ACCOUNT_URL }, account.jwk), type: "malformed", detail: /no "kid"/, looksUp: false },
  { name: "a nonce", make: () => macBinding(header({ nonce: "abc" }), account.jwk), type: "malformed", detail: /must not have a "nonce"/, looksUp: false },
  { name: "url of another resource", make: () => macBinding(header({ url: "https://certdesk.test/acme/dir_2/new-account" }), account.jwk), type: "malformed", detail: /"url" must equal/, looksUp: false },
  { name: "url missing", make: () => macBinding({ alg: "HS256", kid: keyId }, account.jwk), type: "malformed", detail: /"url" must equal/, looksUp: false },
  { name: "payload another key", make: () => macBinding(header(), other.jwk), type: "malformed", detail: /payload is not the key that signed/, looksUp: false },
  { name: "payload not a JWK", make: () => macBinding(header(), { hello: "world" }), type: "malformed", detail: /payload is not the key/, looksUp: false },
  { name: "payload empty", make: async () => ({ ...(await clientBinding()), payload: "" }), type: "malformed", detail: /payload must be the account's public key/, looksUp: false },
  { name: "payload not JSON", make: async () => ({ ...(await clientBinding()), payload: b64("{") }), type: "malformed", detail: /payload is not JSON/, looksUp: false },
  { name: "unknown key identifier", make: () => macBinding(header({ kid: "someone-else" }), account.jwk), type: "unauthorized", detail: /unknown or revoked/, looksUp: true },
  { name: "MAC with another key", make: () => macBinding(header(), account.jwk, generateEabKey().hmacKey), type: "unauthorized", detail: /MAC does not verify/, looksUp: true },
  { name: "MAC truncated", make: async () => ({ ...(await clientBinding()), signature: (await clientBinding()).signature.slice(0, 20) }), type: "unauthorized", detail: /MAC does not verify/, looksUp: true },
  { name: "MAC over a changed header", make: async () => ({ ...(await clientBinding()), protected: encodeJson({ ...header(), extra: 1 }) }), type: "unauthorized", detail: /MAC does not verify/, looksUp: true },
];

describe("verifyExternalAccountBinding: each bad binding gets its problem", () => {
  it.each(badBindings)("$name → $type", async (bad) => {
    const store = keyStore();
    const error = await verifyExternalAccountBinding(await bad.make(), outer(), store.hmacKeyFor).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AcmeServerProblem);
    expect(error).toMatchObject({ type: bad.type, detail: expect.stringMatching(bad.detail) });
    expect(store.lookups.length > 0).toBe(bad.looksUp);
  });

  it("the outer jwk decides: the same binding fails for another account key", async () => {
    await expect(verifyExternalAccountBinding(await clientBinding(), { jwk: other.jwk, url: NEW_ACCOUNT_URL }, keyStore().hmacKeyFor)).rejects.toMatchObject({
      type: "malformed",
    });
  });
});

describe("generateEabKey", () => {
  it("gives unpadded base64url that never starts with '-' (certbot reads it as an option), over many draws", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const { keyId: id, hmacKey: key } = generateEabKey();
      for (const value of [id, key]) {
        expect(value).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]*$/);
        expect(value).not.toContain("=");
      }
      expect(base64UrlToBytes(key)).toHaveLength(32);
      expect(base64UrlToBytes(id)).toHaveLength(16);
      seen.add(key);
    }
    // Random: no repeats, and every first character but '-' turns up (64 choices less one, 2000 draws).
    expect(seen.size).toBe(2000);
    expect(new Set([...seen].map((key) => key[0])).size).toBe(63);
  });

  it("a generated key works end to end with the client's binding", async () => {
    const fresh = generateEabKey();
    const binding = await signExternalAccountBinding({ kid: fresh.keyId, hmacKeyB64url: fresh.hmacKey }, account.jwk as PublicJwk, NEW_ACCOUNT_URL);
    const result = await verifyExternalAccountBinding(binding, outer(), async (kid) => (kid === fresh.keyId ? base64UrlToBytes(fresh.hmacKey) : null));
    expect(result).toEqual({ keyId: fresh.keyId });
  });
});
