/** keyChange (RFC 8555 §7.3.5): the inner JWS signed by the new key, checked after the outer request verified. */
import { beforeAll, describe, expect, it } from "vitest";
import { jwkThumbprint, signJws } from "../../../src/acme/jws";
import { verifyJwsRequest, type VerifiedJws } from "../../../src/acme-server/jws-verify";
import { verifyKeyChange } from "../../../src/acme-server/key-change";
import { AcmeServerProblem, type AcmeProblemType } from "../../../src/acme-server/problems";
import { b64, generateTestKey, signRaw, type TestKey } from "./jws-fixtures";

const KEY_CHANGE_URL = "https://certdesk.test/acme/dir_1/key-change";
const KID = "https://certdesk.test/acme/dir_1/acct/acct_1";

let oldKey: TestKey;
let newKey: TestKey;
let stranger: TestKey;

beforeAll(async () => {
  [oldKey, newKey, stranger] = await Promise.all([generateTestKey("ES256"), generateTestKey("EdDSA"), generateTestKey("EdDSA")]);
});

/** The outer request as the route has it once verifyJwsRequest passed: signed by the account's current key. */
async function outer(inner: unknown, options: { kid?: boolean } = {}): Promise<VerifiedJws> {
  const useKid = options.kid ?? true;
  const jws = await signJws({ keys: oldKey.keys, url: KEY_CHANGE_URL, nonce: "n", ...(useKid ? { kid: KID } : {}), payload: inner });
  return verifyJwsRequest(JSON.stringify(jws), "application/jose+json", {
    url: KEY_CHANGE_URL,
    key: "either",
    accountKey: async (kid) => (kid === KID ? oldKey.jwk : null),
    redeemNonce: async () => true,
  });
}

const innerHeader = (extra: Record<string, unknown> = {}) => ({ alg: "EdDSA", jwk: newKey.jwk, url: KEY_CHANGE_URL, ...extra });
const innerPayload = (extra: Record<string, unknown> = {}) => ({ account: KID, oldKey: oldKey.jwk, ...extra });

describe("verifyKeyChange", () => {
  it("answers the new key and its thumbprint for a well-formed rollover", async () => {
    const inner = await signRaw(newKey, innerHeader(), innerPayload());
    const result = await verifyKeyChange(await outer(inner));
    expect(result).toEqual({ jwk: newKey.jwk, thumbprint: await jwkThumbprint(newKey.jwk) });
  });

  const cases: { name: string; make: () => Promise<VerifiedJws>; type: AcmeProblemType; detail: RegExp }[] = [
    { name: "outer signed with jwk, not kid", make: async () => outer(await signRaw(newKey, innerHeader(), innerPayload()), { kid: false }), type: "malformed", detail: /by "kid"/ },
    { name: "outer POST-as-GET", make: () => outer(null), type: "malformed", detail: /needs the inner JWS/ },
    { name: "inner not a JWS", make: () => outer({ account: KID }), type: "malformed", detail: /inner JWS has no "protected"/ },
    { name: "inner general serialization", make: async () => outer({ payload: "", signatures: [] }), type: "malformed", detail: /general JSON serialization/ },
    { name: "inner alg HS256", make: async () => outer(await signRaw(newKey, innerHeader({ alg: "HS256" }), innerPayload())), type: "badSignatureAlgorithm", detail: /inner JWS alg "HS256"/ },
    { name: "inner without jwk", make: async () => outer(await signRaw(newKey, { alg: "EdDSA", url: KEY_CHANGE_URL }, innerPayload())), type: "malformed", detail: /new key in "jwk"/ },
    { name: "inner with kid too", make: async () => outer(await signRaw(newKey, innerHeader({ kid: KID }), innerPayload())), type: "malformed", detail: /not "kid"/ },
    { name: "inner with a nonce", make: async () => outer(await signRaw(newKey, innerHeader({ nonce: "n2" }), innerPayload())), type: "malformed", detail: /must not have a "nonce"/ },
    { name: "inner jwk with its private key", make: async () => outer(await signRaw(newKey, innerHeader({ jwk: { ...newKey.jwk, d: "AAAA" } }), innerPayload())), type: "malformed", detail: /private/ },
    { name: "inner signed by another key than its jwk", make: async () => outer(await signRaw(stranger, innerHeader({ alg: "EdDSA" }), innerPayload())), type: "malformed", detail: /signature does not verify/ },
    { name: "inner url of another resource", make: async () => outer(await signRaw(newKey, innerHeader({ url: KID }), innerPayload())), type: "malformed", detail: /"url" must equal the outer/ },
    { name: "inner payload not an object", make: async () => outer(await signRaw(newKey, innerHeader(), [KID])), type: "malformed", detail: /payload must be/ },
    { name: "inner payload not JSON", make: async () => outer(await signRaw(newKey, innerHeader(), b64("{"))), type: "malformed", detail: /payload is not JSON/ },
    { name: "account of someone else", make: async () => outer(await signRaw(newKey, innerHeader(), innerPayload({ account: `${KID}x` }))), type: "malformed", detail: /"account" is not the account/ },
    { name: "account missing", make: async () => outer(await signRaw(newKey, innerHeader(), { oldKey: oldKey.jwk })), type: "malformed", detail: /"account" is not the account/ },
    { name: "oldKey of another key", make: async () => outer(await signRaw(newKey, innerHeader(), innerPayload({ oldKey: stranger.jwk }))), type: "malformed", detail: /"oldKey" is not the account's current key/ },
    { name: "oldKey missing", make: async () => outer(await signRaw(newKey, innerHeader(), { account: KID })), type: "malformed", detail: /"oldKey"/ },
  ];

  it.each(cases)("$name → $type", async (bad) => {
    const error = await verifyKeyChange(await bad.make()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AcmeServerProblem);
    expect(error).toMatchObject({ type: bad.type, detail: expect.stringMatching(bad.detail) });
  });
});
