/**
 * verifyJwsRequest (RFC 8555 §6.2-6.5): each check, in Boulder's order, with the problem type a real client sees.
 * Good requests come from the client's signJws; every bad one is a good one with one thing changed.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { jwkThumbprint, signJws } from "../../../src/acme/jws";
import { verifyJwsRequest, requirePostAsGet, type JwsVerifyOptions, type VerifiedJws } from "../../../src/acme-server/jws-verify";
import { AcmeServerProblem, problemDocument, type AcmeProblemType } from "../../../src/acme-server/problems";
import { b64, body, generateTestKey, signRaw, type KeyKind, type TestKey } from "./jws-fixtures";

const URL = "https://certdesk.test/acme/dir_1/new-order";
const KID = "https://certdesk.test/acme/dir_1/acct/acct_1";
const JOSE = "application/jose+json";

let account: TestKey;
let other: TestKey;
let p384: TestKey;
let ed25519: TestKey;

beforeAll(async () => {
  [account, other, p384, ed25519] = await Promise.all([generateTestKey("ES256"), generateTestKey("ES256"), generateTestKey("ES384"), generateTestKey("EdDSA")]);
});

/** A nonce source like the server's: each issued nonce redeems once; `redeemed` records every attempt. */
function nonces() {
  const outstanding = new Set<string>();
  const attempts: string[] = [];
  let next = 0;
  return {
    issue: () => {
      const nonce = `nonce${next++}`;
      outstanding.add(nonce);
      return nonce;
    },
    attempts,
    redeem: async (nonce: string) => {
      attempts.push(nonce);
      return outstanding.delete(nonce);
    },
  };
}

interface Setup {
  nonces: ReturnType<typeof nonces>;
  options: JwsVerifyOptions;
}

function setup(overrides: Partial<JwsVerifyOptions> = {}, accounts: Record<string, JsonWebKey> = { [KID]: account.jwk }): Setup {
  const source = nonces();
  return {
    nonces: source,
    options: { url: URL, key: "kid", accountKey: async (kid) => accounts[kid] ?? null, redeemNonce: source.redeem, ...overrides },
  };
}

async function expectProblem(promise: Promise<unknown>, type: AcmeProblemType, detail: RegExp): Promise<AcmeServerProblem> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "expected a problem").toBeInstanceOf(AcmeServerProblem);
  const problem = error as AcmeServerProblem;
  expect({ type: problem.type, detail: problem.detail }).toMatchObject({ type, detail: expect.stringMatching(detail) });
  return problem;
}

describe("verifyJwsRequest: good requests", () => {
  it("verifies a kid-signed request and returns its header, payload, key and thumbprint", async () => {
    const { nonces: source, options } = setup();
    const nonce = source.issue();
    const jws = await signJws({ keys: account.keys, url: URL, nonce, kid: KID, payload: { identifiers: [{ type: "dns", value: "a.example" }] } });
    const verified = await verifyJwsRequest(body(jws), JOSE, options);
    expect(verified.header).toEqual({ alg: "ES256", nonce, url: URL, kid: KID });
    expect(verified.payload).toEqual({ identifiers: [{ type: "dns", value: "a.example" }] });
    expect(JSON.parse(verified.payloadText)).toEqual(verified.payload);
    expect(verified.jwk).toEqual(account.jwk);
    expect(verified.thumbprint).toBe(await jwkThumbprint(account.jwk));
    expect(verified.protectedB64).toBe(jws.protected);
    expect(verified.payloadB64).toBe(jws.payload);
    expect(source.attempts).toEqual([nonce]);
    // Spent: the same request again is a replay.
    await expectProblem(verifyJwsRequest(body(jws), JOSE, options), "badNonce", /already used/);
  });

  it("verifies a jwk-signed newAccount and answers the header's key, public members only", async () => {
    const { nonces: source, options } = setup({ key: "jwk" });
    const jws = await signJws({ keys: account.keys, url: URL, nonce: source.issue(), payload: { termsOfServiceAgreed: true } });
    const verified = await verifyJwsRequest(body(jws), JOSE, options);
    expect(verified.header.jwk).toEqual(account.jwk);
    expect(verified.header.kid).toBeUndefined();
    expect(verified.jwk).toEqual(account.jwk);
  });

  it.each<KeyKind>(["ES256", "ES384", "ES512", "RS256", "EdDSA"])("accepts %s", async (kind) => {
    const key = await generateTestKey(kind);
    const { nonces: source, options } = setup({ key: "either" });
    const jws = await signRaw(key, { alg: kind, nonce: source.issue(), url: URL, jwk: key.jwk }, { a: 1 });
    const verified = await verifyJwsRequest(body(jws), JOSE, options);
    expect(verified.header.alg).toBe(kind);
    expect(verified.thumbprint).toBe(await jwkThumbprint(key.jwk));
  });

  it("accepts a POST-as-GET (empty payload), which requirePostAsGet lets through and a payload does not", async () => {
    const { nonces: source, options } = setup();
    const get = await verifyJwsRequest(body(await signJws({ keys: account.keys, url: URL, nonce: source.issue(), kid: KID, payload: null })), JOSE, options);
    expect(get.payload).toBeUndefined();
    expect(get.payloadText).toBe("");
    expect(() => requirePostAsGet(get)).not.toThrow();
    const post = await verifyJwsRequest(body(await signJws({ keys: account.keys, url: URL, nonce: source.issue(), kid: KID, payload: {} })), JOSE, options);
    expect(post.payload).toEqual({});
    expect(() => requirePostAsGet(post)).toThrow(expect.objectContaining({ type: "malformed", detail: expect.stringMatching(/POST-as-GET/) }));
  });

  it("tolerates parameters on the content type", async () => {
    const { nonces: source, options } = setup();
    const jws = await signJws({ keys: account.keys, url: URL, nonce: source.issue(), kid: KID, payload: {} });
    await expect(verifyJwsRequest(body(jws), "Application/JOSE+JSON; charset=utf-8", options)).resolves.toMatchObject({ payload: {} });
  });
});

/** One bad request: `make` builds it from a fresh setup; the problem must be `type` with a detail matching `detail`. */
interface BadCase {
  name: string;
  make: (s: Setup) => Promise<{ body: string; contentType?: string | undefined }>;
  type: AcmeProblemType;
  detail: RegExp;
  options?: Partial<JwsVerifyOptions>;
  /** Whether the nonce is spent by the time the check fails (only for checks after the signature). */
  spendsNonce?: boolean;
}

const good = (s: Setup, payload: unknown = { a: 1 }) => signJws({ keys: account.keys, url: URL, nonce: s.nonces.issue(), kid: KID, payload });
const header = (s: Setup, extra: Record<string, unknown> = {}) => ({ alg: "ES256", nonce: s.nonces.issue(), url: URL, kid: KID, ...extra });
const withoutKid = (h: Record<string, unknown>) => {
  const { kid: _kid, ...rest } = h;
  return rest;
};

const badCases: BadCase[] = [
  // 1. Content type and body.
  { name: "content type text/plain", make: async (s) => ({ body: body(await good(s)), contentType: "text/plain" }), type: "malformed", detail: /Content-Type/ },
  { name: "content type missing", make: async (s) => ({ body: body(await good(s)), contentType: undefined }), type: "malformed", detail: /Content-Type.*missing/ },
  { name: "content type application/json", make: async (s) => ({ body: body(await good(s)), contentType: "application/json" }), type: "malformed", detail: /Content-Type/ },
  { name: "empty body", make: async () => ({ body: "" }), type: "malformed", detail: /empty/ },
  { name: "body over the size cap", make: async (s) => ({ body: body(await good(s, { pad: "x".repeat(300) })) }), options: { maxBodyBytes: 256 }, type: "malformed", detail: /larger than 256 bytes/ },
  { name: "body over the cap in bytes, not characters", make: async (s) => ({ body: body(await good(s, { pad: "é".repeat(100) })) }), options: { maxBodyBytes: 300 }, type: "malformed", detail: /larger than 300/ },
  // 2. Serialization.
  { name: "body not JSON", make: async () => ({ body: "{not json" }), type: "malformed", detail: /not JSON/ },
  { name: "body a JSON array", make: async (s) => ({ body: body([await good(s)]) }), type: "malformed", detail: /not a JSON object/ },
  {
    name: "general serialization with two signatures",
    make: async (s) => {
      const jws = await good(s);
      return { body: body({ payload: jws.payload, signatures: [{ protected: jws.protected, signature: jws.signature }, { protected: jws.protected, signature: jws.signature }] }) };
    },
    type: "malformed",
    detail: /general JSON serialization/,
  },
  { name: "unprotected header", make: async (s) => ({ body: body({ ...(await good(s)), header: { kid: KID } }) }), type: "malformed", detail: /unprotected header/ },
  { name: "signature missing", make: async (s) => ({ body: body({ ...(await good(s)), signature: undefined }) }), type: "malformed", detail: /"signature"/ },
  { name: "protected header not base64url", make: async (s) => ({ body: body({ ...(await good(s)), protected: "eyJ+YWxnIjoi" }) }), type: "malformed", detail: /protected header is not unpadded base64url/ },
  { name: "padded signature", make: async (s) => ({ body: body({ ...(await good(s)), signature: `${(await good(s)).signature}=` }) }), type: "malformed", detail: /signature is not unpadded base64url/ },
  { name: "payload not base64url", make: async (s) => ({ body: body({ ...(await good(s)), payload: "e30/" }) }), type: "malformed", detail: /payload is not unpadded base64url/ },
  { name: "protected header not JSON", make: async (s) => ({ body: body({ ...(await good(s)), protected: b64("{alg") }) }), type: "malformed", detail: /protected header is not JSON/ },
  { name: "protected header a JSON string", make: async (s) => ({ body: body({ ...(await good(s)), protected: b64('"ES256"') }) }), type: "malformed", detail: /protected header is not a JSON object/ },
  { name: "crit extension", make: async (s) => ({ body: body(await signRaw(account, header(s, { crit: ["b64"], b64: false }), { a: 1 })) }), type: "malformed", detail: /crit/ },
  // 3. Algorithm.
  { name: 'alg "none" with no signature', make: async (s) => ({ body: body({ protected: b64(JSON.stringify(header(s, { alg: "none" }))), payload: b64("{}"), signature: "AA" }) }), type: "badSignatureAlgorithm", detail: /"none" is not supported/ },
  { name: "alg HS256", make: async (s) => ({ body: body({ ...(await signRaw(account, header(s, { alg: "HS256" }), {})) }) }), type: "badSignatureAlgorithm", detail: /"HS256"/ },
  { name: "alg PS256", make: async (s) => ({ body: body(await signRaw(account, header(s, { alg: "PS256" }), {})) }), type: "badSignatureAlgorithm", detail: /"PS256"/ },
  { name: "alg missing", make: async (s) => ({ body: body(await signRaw(account, withoutAlg(header(s)), {})) }), type: "badSignatureAlgorithm", detail: /alg missing/ },
  // 4. jwk xor kid, and the right one.
  { name: "both jwk and kid", make: async (s) => ({ body: body(await signRaw(account, header(s, { jwk: account.jwk }), {})) }), type: "malformed", detail: /both "jwk" and "kid"/ },
  { name: "neither jwk nor kid", make: async (s) => ({ body: body(await signRaw(account, withoutKid(header(s)), {})) }), type: "malformed", detail: /neither/ },
  { name: "kid where the resource takes jwk", options: { key: "jwk" }, make: async (s) => ({ body: body(await good(s)) }), type: "malformed", detail: /takes a JWS with "jwk"/ },
  {
    name: "jwk where the resource takes kid",
    make: async (s) => ({ body: body(await signJws({ keys: account.keys, url: URL, nonce: s.nonces.issue(), payload: {} })) }),
    type: "malformed",
    detail: /takes a JWS with "kid"/,
  },
  { name: "kid not a string", make: async (s) => ({ body: body(await signRaw(account, header(s, { kid: 7 }), {})) }), type: "malformed", detail: /"kid" is not an account URL/ },
  // 5. The key.
  { name: "jwk with the private key", options: { key: "jwk" }, make: async (s) => ({ body: body(await signRaw(account, jwkHeader(s, { ...account.jwk, d: "AAAA" }), {})) }), type: "malformed", detail: /private/ },
  { name: "jwk without kty", options: { key: "jwk" }, make: async (s) => ({ body: body(await signRaw(account, jwkHeader(s, { crv: "P-256", x: account.jwk.x, y: account.jwk.y }), {})) }), type: "malformed", detail: /no "kty"/ },
  { name: "jwk without y", options: { key: "jwk" }, make: async (s) => ({ body: body(await signRaw(account, jwkHeader(s, { kty: "EC", crv: "P-256", x: account.jwk.x }), {})) }), type: "malformed", detail: /no "y"/ },
  { name: "symmetric jwk", options: { key: "jwk" }, make: async (s) => ({ body: body(await signRaw(account, jwkHeader(s, { kty: "oct", k: "AAAA" }), {})) }), type: "malformed", detail: /symmetric/ },
  { name: "P-384 key with ES256", options: { key: "jwk" }, make: async (s) => ({ body: body(await signRaw(account, jwkHeader(s, p384.jwk), {})) }), type: "badPublicKey", detail: /curve "P-384" does not match alg ES256/ },
  { name: "Ed25519 key with ES256", options: { key: "jwk" }, make: async (s) => ({ body: body(await signRaw(account, jwkHeader(s, ed25519.jwk), {})) }), type: "badPublicKey", detail: /OKP key; alg ES256 needs kty EC/ },
  { name: "EC key with EdDSA", options: { key: "jwk" }, make: async (s) => ({ body: body(await signRaw(ed25519, jwkHeader(s, account.jwk, "EdDSA"), {})) }), type: "badPublicKey", detail: /EC key; alg EdDSA needs kty OKP/ },
  { name: "Ed448 key with EdDSA", options: { key: "jwk" }, make: async (s) => ({ body: body(await signRaw(ed25519, jwkHeader(s, { ...ed25519.jwk, crv: "Ed448" }, "EdDSA"), {})) }), type: "badPublicKey", detail: /"Ed448" does not match alg EdDSA/ },
  { name: "EC key with RS256", options: { key: "jwk" }, make: async (s) => ({ body: body(await signRaw(account, jwkHeader(s, account.jwk, "RS256"), {})) }), type: "badPublicKey", detail: /alg RS256 needs kty RSA/ },
  { name: "EC x of the wrong length", options: { key: "jwk" }, make: async (s) => ({ body: body(await signRaw(account, jwkHeader(s, { ...account.jwk, x: b64("short") }), {})) }), type: "badPublicKey", detail: /"x" is not 32 bytes/ },
  { name: "EC point not on the curve", options: { key: "jwk" }, make: async (s) => ({ body: body(await signRaw(account, jwkHeader(s, { ...account.jwk, y: account.jwk.x }), {})) }), type: "badPublicKey", detail: /not a valid ES256 public key/ },
  { name: "RSA key of 1024 bits", options: { key: "jwk" }, make: async (s) => rsaRequest(s, { modulusLength: 1024 }), type: "badPublicKey", detail: /1024 bits/ },
  { name: "RSA exponent 3", options: { key: "jwk" }, make: async (s) => rsaRequest(s, { e: "Aw" }), type: "badPublicKey", detail: /exponent must be 65537/ },
  { name: "kid of no account", make: async (s) => ({ body: body(await signRaw(account, header(s, { kid: `${KID}-gone` }), {})) }), type: "accountDoesNotExist", detail: /no account/ },
  {
    name: "kid the account lookup refuses (deactivated)",
    options: {
      accountKey: async () => {
        throw new AcmeServerProblem("unauthorized", "the account is deactivated");
      },
    },
    make: async (s) => ({ body: body(await good(s)) }),
    type: "unauthorized",
    detail: /deactivated/,
  },
  // 6. The signature.
  { name: "signed by another key than the account's", make: async (s) => ({ body: body(await signRaw(other, header(s), { a: 1 })) }), type: "malformed", detail: /signature does not verify/ },
  { name: "payload changed after signing", make: async (s) => ({ body: body({ ...(await good(s)), payload: b64('{"a":2}') }) }), type: "malformed", detail: /signature does not verify/ },
  { name: "jwk of one key, signed by another", options: { key: "jwk" }, make: async (s) => ({ body: body(await signRaw(other, jwkHeader(s, account.jwk), {})) }), type: "malformed", detail: /signature does not verify/ },
  { name: "signature truncated", make: async (s) => ({ body: body({ ...(await good(s)), signature: (await good(s)).signature.slice(0, 40) }) }), type: "malformed", detail: /signature does not verify/ },
  // 7. The nonce, only once the signature holds.
  { name: "nonce missing", make: async (s) => ({ body: body(await signRaw(account, withoutNonce(header(s)), {})) }), type: "badNonce", detail: /no "nonce"/ },
  { name: "nonce never issued", make: async (s) => ({ body: body(await signRaw(account, header(s, { nonce: "forged" }), {})) }), type: "badNonce", detail: /unknown/ },
  // 8. The URL (the nonce is spent by then).
  { name: "url missing", spendsNonce: true, make: async (s) => ({ body: body(await signRaw(account, withoutUrl(header(s)), {})) }), type: "unauthorized", detail: /no "url"/ },
  { name: "url of another resource", spendsNonce: true, make: async (s) => ({ body: body(await signRaw(account, header(s, { url: `${URL}/../acct/acct_1` }), {})) }), type: "unauthorized", detail: /not this request's URL/ },
  { name: "url differs only by a trailing slash", spendsNonce: true, make: async (s) => ({ body: body(await signRaw(account, header(s, { url: `${URL}/` }), {})) }), type: "unauthorized", detail: /not this request's URL/ },
  // 9. The payload.
  { name: "payload not JSON", spendsNonce: true, make: async (s) => ({ body: body(await signRaw(account, header(s), b64("{not json"))) }), type: "malformed", detail: /payload is not JSON/ },
  { name: "payload not UTF-8", spendsNonce: true, make: async (s) => ({ body: body(await signRaw(account, header(s), "_w")) }), type: "malformed", detail: /payload is not UTF-8/ },
];

function withoutAlg(h: Record<string, unknown>) {
  const { alg: _alg, ...rest } = h;
  return rest;
}
function withoutNonce(h: Record<string, unknown>) {
  const { nonce: _nonce, ...rest } = h;
  return rest;
}
function withoutUrl(h: Record<string, unknown>) {
  const { url: _url, ...rest } = h;
  return rest;
}
function jwkHeader(s: Setup, jwk: unknown, alg = "ES256") {
  return { alg, nonce: s.nonces.issue(), url: URL, jwk };
}

/** A jwk-signed RS256 request whose key is generated with `modulusLength`, or whose exponent is replaced by `e`. */
async function rsaRequest(s: Setup, change: { modulusLength?: number; e?: string }) {
  const key = await generateTestKey("RS256", {
    name: "RSASSA-PKCS1-v1_5",
    modulusLength: change.modulusLength ?? 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: "SHA-256",
  });
  const jwk = change.e ? { ...key.jwk, e: change.e } : key.jwk;
  return { body: body(await signRaw(key, { alg: "RS256", nonce: s.nonces.issue(), url: URL, jwk }, {})) };
}

describe("verifyJwsRequest: each bad request gets its problem", () => {
  it.each(badCases)("$name → $type", async (bad) => {
    const s = setup(bad.options);
    const request = await bad.make(s);
    const contentType = "contentType" in request ? request.contentType : JOSE;
    await expectProblem(verifyJwsRequest(request.body, contentType, s.options), bad.type, bad.detail);
    // Every check before the nonce's leaves it unspent (RFC 8555 §6.5 via Boulder: junk costs no write).
    if (bad.spendsNonce) expect(s.nonces.attempts).toHaveLength(1);
    else if (!/nonce/.test(bad.name)) expect(s.nonces.attempts).toEqual([]);
  });

  it("lists the supported algorithms in the badSignatureAlgorithm problem document (RFC 8555 §6.2)", async () => {
    const s = setup();
    const problem = await expectProblem(verifyJwsRequest(body(await signRaw(account, header(s, { alg: "HS256" }), {})), JOSE, s.options), "badSignatureAlgorithm", /HS256/);
    expect(problemDocument(problem)).toEqual({
      type: "urn:ietf:params:acme:error:badSignatureAlgorithm",
      detail: problem.detail,
      status: 400,
      algorithms: ["ES256", "ES384", "ES512", "RS256", "EdDSA"],
    });
  });
});

describe("verifyJwsRequest: the order of the checks", () => {
  it("a bad signature with a used nonce is malformed, and the nonce is not asked about", async () => {
    const s = setup();
    const nonce = s.nonces.issue();
    await s.nonces.redeem(nonce);
    s.nonces.attempts.length = 0;
    await expectProblem(verifyJwsRequest(body(await signRaw(other, header(s, { nonce }), {})), JOSE, s.options), "malformed", /signature/);
    expect(s.nonces.attempts).toEqual([]);
  });

  it("an unsupported alg is reported before a header that has both jwk and kid", async () => {
    const s = setup();
    await expectProblem(verifyJwsRequest(body(await signRaw(account, header(s, { alg: "HS512", jwk: account.jwk }), {})), JOSE, s.options), "badSignatureAlgorithm", /HS512/);
  });

  it("a wrong content type is reported before a body that is not JSON", async () => {
    const s = setup();
    await expectProblem(verifyJwsRequest("{", "text/html", s.options), "malformed", /Content-Type/);
  });

  it("an unknown account is reported before the signature (no key to check it with), and spends no nonce", async () => {
    const s = setup({}, {});
    await expectProblem(verifyJwsRequest(body(await good(s)), JOSE, s.options), "accountDoesNotExist", /no account/);
    expect(s.nonces.attempts).toEqual([]);
  });

  it("a replayed nonce is badNonce even though the url is also wrong", async () => {
    const s = setup();
    const jws = await signRaw(account, header(s, { url: "https://elsewhere.test/" }), {});
    await expectProblem(verifyJwsRequest(body(jws), JOSE, s.options), "unauthorized", /url/);
    await expectProblem(verifyJwsRequest(body(jws), JOSE, s.options), "badNonce", /already used/);
  });

  it("returns a VerifiedJws only when every check passed", async () => {
    const s = setup();
    const verified: VerifiedJws = await verifyJwsRequest(body(await good(s)), JOSE, s.options);
    expect(verified.payload).toEqual({ a: 1 });
  });
});
