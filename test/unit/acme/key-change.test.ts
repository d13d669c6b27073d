/** Account key rollover (RFC 8555 §7.3.5) and account deactivation (§7.3.6) against the scripted CA, lost answers included. */
import { beforeEach, describe, expect, it } from "vitest";
import { generateAccountKey, publicJwk } from "../../../src/acme/account-key";
import { AcmeClient } from "../../../src/acme/client";
import { isAcmeProblem, type AcmeProblem } from "../../../src/acme/problem";
import { REPEAT_AFTER_LOST_ANSWER } from "../../../src/acme/retry-policy";
import { base64UrlToBytes, utf8 } from "../../../src/crypto/encoding";
import { CA, FakeCa, fakeClock, problem, type FakeRequest } from "./fake-ca";

const ACCOUNT = `${CA}/acct/1`;
const OTHER_ACCOUNT = `${CA}/acct/2`;

let ca: FakeCa;
let oldKeys: CryptoKeyPair;
let newKeys: CryptoKeyPair;
/** The key the CA holds for ACCOUNT. */
let registered: JsonWebKey;
let time: ReturnType<typeof fakeClock>;

const sameKey = (a: JsonWebKey | undefined, b: JsonWebKey) => a?.x === b.x && a?.y === b.y && a?.crv === b.crv;
const decode = (b64: string) => JSON.parse(utf8.decode(base64UrlToBytes(b64)));

function holdAccount(jwk: JsonWebKey) {
  registered = jwk;
  ca.addAccount(ACCOUNT, jwk);
}

beforeEach(async () => {
  ca = new FakeCa();
  time = fakeClock();
  oldKeys = await generateAccountKey();
  newKeys = await generateAccountKey();
  holdAccount((await publicJwk(oldKeys.publicKey)) as JsonWebKey);
  // RFC 8555 §7.3.1: onlyReturnExisting finds the account whose key signed the request.
  ca.on("POST", "/acct", (request) =>
    sameKey(request.protected?.jwk, registered)
      ? { status: 200, headers: { location: ACCOUNT }, body: { status: "valid" } }
      : problem("accountDoesNotExist", "no account for this key"),
  );
  ca.on("POST", "/order", () => ({ status: 201, headers: { location: `${CA}/order/1` }, body: { status: "pending", identifiers: [], authorizations: [], finalize: `${CA}/fin/1` } }));
});

function client(keys = oldKeys) {
  return new AcmeClient({ directoryUrl: `${CA}/dir`, accountKey: keys, accountUrl: ACCOUNT, fetch: ca.fetch, now: time.now, sleep: time.sleep });
}

/** What a CA checks of a key change (RFC 8555 §7.3.5), then the change itself. */
async function keyChangeAt(request: FakeRequest): Promise<void> {
  const inner = request.payload as { protected: string; payload: string; signature: string };
  const header = decode(inner.protected) as { alg: string; jwk: JsonWebKey; url: string; nonce?: string; kid?: string };
  const key = await crypto.subtle.importKey("jwk", header.jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  const signed = utf8.encode(`${inner.protected}.${inner.payload}`);
  if (!(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, base64UrlToBytes(inner.signature), signed))) throw new Error("inner JWS does not verify");
  const payload = decode(inner.payload) as { account: string; oldKey: JsonWebKey };
  if (header.url !== request.url || header.nonce !== undefined || header.kid !== undefined) throw new Error("bad inner header");
  if (payload.account !== request.protected?.kid || !sameKey(payload.oldKey, registered)) throw new Error("bad inner payload");
  holdAccount(header.jwk);
}

describe("keyChange (RFC 8555 §7.3.5)", () => {
  it("sends the outer JWS under the old key's kid and the inner one under the new key's jwk, then signs with the new key", async () => {
    ca.on("POST", "/key", async (request) => {
      await keyChangeAt(request);
      return { status: 200 };
    });
    const c = client();
    const result = await c.keyChange(newKeys);
    expect(result).toEqual({ accountUrl: ACCOUNT, confirmedByLookup: false });

    const [post] = ca.posts("/key");
    expect(post!.protected).toMatchObject({ alg: "ES256", kid: ACCOUNT, url: `${CA}/key` });
    expect(post!.protected?.jwk).toBeUndefined();
    const inner = post!.payload as { protected: string; payload: string };
    expect(Object.keys(decode(inner.protected)).sort()).toEqual(["alg", "jwk", "url"]);
    expect(decode(inner.payload)).toEqual({ account: ACCOUNT, oldKey: await publicJwk(oldKeys.publicKey) });
    expect(sameKey(registered, (await publicJwk(newKeys.publicKey)) as JsonWebKey)).toBe(true);

    // Signed with the new key from now on (the CA verifies kid-signed requests against the key it holds).
    await c.newOrder({ identifiers: ["a.example"] });
    expect(await c.accountJwk()).toEqual(await publicJwk(newKeys.publicKey));
  });

  it("the old key no longer signs for the account once the change is made", async () => {
    ca.on("POST", "/key", async (request) => {
      await keyChangeAt(request);
      return { status: 200 };
    });
    await client().keyChange(newKeys);
    const error = await client(oldKeys).newOrder({ identifiers: ["a.example"] }).catch((e: unknown) => e);
    expect(isAcmeProblem(error, "malformed")).toBe(true);
  });

  it("a change made whose answer was lost: the refused repeat is confirmed by asking with the new key", async () => {
    ca.on("POST", "/key", async (request) => {
      await keyChangeAt(request);
      return { status: 200 };
    });
    ca.loseAnswers = 1;
    const c = client();
    const result = await c.keyChange(newKeys);
    expect(result).toEqual({ accountUrl: ACCOUNT, confirmedByLookup: true });
    // The repeat carried the same inner JWS (no nonce in it) under a fresh outer nonce; the CA refused its old key.
    const [first, repeat] = ca.posts("/key");
    expect(repeat!.payload).toEqual(first!.payload);
    expect(repeat!.protected?.nonce).not.toBe(first!.protected?.nonce);
    const lookup = ca.posts("/acct").at(-1)!;
    expect(lookup.payload).toEqual({ onlyReturnExisting: true });
    expect(sameKey(lookup.protected?.jwk, (await publicJwk(newKeys.publicKey)) as JsonWebKey)).toBe(true);
    await c.newOrder({ identifiers: ["a.example"] });
  });

  it("a lost answer the CA did not act on: the refusal stands, and the client keeps the old key", async () => {
    ca.on("POST", "/key", () => problem("malformed", "refused"));
    ca.loseAnswers = 1;
    const c = client();
    const error = (await c.keyChange(newKeys).catch((e: unknown) => e)) as AcmeProblem;
    expect(isAcmeProblem(error, "malformed")).toBe(true);
    expect(error.afterLostAnswer).toBe(true);
    expect(ca.posts("/acct")).toHaveLength(1); // asked, and the new key has no account
    expect(await c.accountJwk()).toEqual(await publicJwk(oldKeys.publicKey));
  });

  it("a refusal on the first answer is the caller's to see, without asking", async () => {
    ca.on("POST", "/key", () => problem("badPublicKey", "key too weak"));
    const error = await client().keyChange(newKeys).catch((e: unknown) => e);
    expect(isAcmeProblem(error, "badPublicKey")).toBe(true);
    expect(ca.posts("/acct")).toHaveLength(0);
  });

  it("409 for another account's key is a conflict; 409 naming this account means the change was made", async () => {
    ca.on("POST", "/key", () => ({ status: 409, headers: { location: OTHER_ACCOUNT } }));
    const error = (await client().keyChange(newKeys).catch((e: unknown) => e)) as AcmeProblem;
    expect(error.status).toBe(409);

    ca.on("POST", "/key", async () => {
      holdAccount((await publicJwk(newKeys.publicKey)) as JsonWebKey);
      return { status: 409, headers: { location: ACCOUNT } };
    });
    expect(await client().keyChange(newKeys)).toEqual({ accountUrl: ACCOUNT, confirmedByLookup: true });
  });

  it("a CA without keyChange in its directory: a typed problem, nothing sent", async () => {
    delete ca.directory.keyChange;
    const error = (await client().keyChange(newKeys).catch((e: unknown) => e)) as AcmeProblem;
    expect(error.type).toBe("urn:certdesk:acme:error:keyChangeUnsupported");
    expect(ca.posts("/key")).toHaveLength(0);
  });

  it("needs the account URL", async () => {
    const c = new AcmeClient({ directoryUrl: `${CA}/dir`, accountKey: oldKeys, fetch: ca.fetch, now: time.now, sleep: time.sleep });
    const error = (await c.keyChange(newKeys).catch((e: unknown) => e)) as AcmeProblem;
    expect(error.type).toBe("urn:certdesk:acme:error:noAccount");
  });
});

describe("deactivateAccount (RFC 8555 §7.3.6)", () => {
  let deactivated: boolean;
  beforeEach(() => {
    deactivated = false;
    ca.on("POST", "/acct/1", (request) => {
      if (deactivated) return problem("unauthorized", "Account has been deactivated", 401);
      expect(request.payload).toEqual({ status: "deactivated" });
      deactivated = true;
      return { body: { status: "deactivated" } };
    });
  });

  it("POSTs {status: deactivated} to the account URL under its kid; the CA refuses the account from then on", async () => {
    const c = client();
    expect(await c.deactivateAccount()).toMatchObject({ status: "deactivated" });
    expect(ca.posts("/acct/1")[0]!.protected).toMatchObject({ kid: ACCOUNT, url: ACCOUNT });
    const again = await c.deactivateAccount().catch((e: unknown) => e);
    expect(isAcmeProblem(again, "unauthorized")).toBe(true);
  });

  it("deactivated but the answer lost: the repeat's unauthorized is the read-back", async () => {
    ca.loseAnswers = 1;
    expect(await client().deactivateAccount()).toEqual({ status: "deactivated" });
    expect(ca.posts("/acct/1")).toHaveLength(2);
  });
});

describe("REPEAT_AFTER_LOST_ANSWER", () => {
  it("says for key changes and account deactivations why a repeat is safe, citing the RFC", () => {
    expect(REPEAT_AFTER_LOST_ANSWER.keyChange).toMatch(/RFC 8555 §7\.3\.5/);
    expect(REPEAT_AFTER_LOST_ANSWER.deactivateAccount).toMatch(/RFC 8555 §7\.3\.6/);
  });
});
