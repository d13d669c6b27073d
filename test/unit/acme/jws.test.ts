import { describe, expect, it } from "vitest";
import { exportAccountKey, generateAccountKey, importAccountKey, publicJwk } from "../../../src/acme/account-key";
import { dns01TxtValue, jwkThumbprint, keyAuthorization, signJws } from "../../../src/acme/jws";
import { base64UrlToBytes, bytesToBase64Url, sha256, utf8 } from "../../../src/crypto/encoding";

function decode(part: string): unknown {
  return JSON.parse(utf8.decode(base64UrlToBytes(part)));
}

async function verify(jwk: JsonWebKey, jws: { protected: string; payload: string; signature: string }): Promise<boolean> {
  const key = await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, base64UrlToBytes(jws.signature), utf8.encode(`${jws.protected}.${jws.payload}`));
}

describe("JWS (RFC 8555 §6.2)", () => {
  it("signs newAccount-style requests with jwk and a verifiable ES256 signature", async () => {
    const keys = await generateAccountKey();
    const jws = await signJws({ keys, url: "https://ca.test/acct", nonce: "abc", payload: { termsOfServiceAgreed: true } });
    const header = decode(jws.protected) as Record<string, unknown>;
    expect(Object.keys(header).sort()).toEqual(["alg", "jwk", "nonce", "url"]);
    expect(header).toMatchObject({ alg: "ES256", nonce: "abc", url: "https://ca.test/acct" });
    // Only the public members: no d, key_ops or ext.
    expect(Object.keys(header.jwk as object).sort()).toEqual(["crv", "kty", "x", "y"]);
    expect(decode(jws.payload)).toEqual({ termsOfServiceAgreed: true });
    expect(base64UrlToBytes(jws.signature)).toHaveLength(64); // R || S, RFC 7518 §3.4
    expect(await verify(header.jwk as JsonWebKey, jws)).toBe(true);
  });

  it("uses kid (and no jwk) once the account URL is known", async () => {
    const keys = await generateAccountKey();
    const jws = await signJws({ keys, url: "https://ca.test/order", nonce: "n1", kid: "https://ca.test/acct/1", payload: { identifiers: [] } });
    const header = decode(jws.protected) as Record<string, unknown>;
    expect(header).toEqual({ alg: "ES256", nonce: "n1", url: "https://ca.test/order", kid: "https://ca.test/acct/1" });
    expect(await verify(await publicJwk(keys.publicKey), jws)).toBe(true);
  });

  it("POST-as-GET has an empty payload (RFC 8555 §6.3)", async () => {
    const keys = await generateAccountKey();
    const jws = await signJws({ keys, url: "https://ca.test/authz/1", nonce: "n2", kid: "https://ca.test/acct/1", payload: null });
    expect(jws.payload).toBe("");
    expect(await verify(await publicJwk(keys.publicKey), jws)).toBe(true);
  });

  it("a tampered payload does not verify", async () => {
    const keys = await generateAccountKey();
    const jws = await signJws({ keys, url: "https://ca.test/x", nonce: "n", kid: "k", payload: { a: 1 } });
    expect(await verify(await publicJwk(keys.publicKey), { ...jws, payload: bytesToBase64Url(utf8.encode('{"a":2}')) })).toBe(false);
  });
});

describe("JWK thumbprint (RFC 7638) and key authorizations (RFC 8555 §8.1, §8.4)", () => {
  it("matches RFC 7638 §3.1's example", async () => {
    const jwk = {
      kty: "RSA",
      n: "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
      e: "AQAB",
      alg: "RS256",
      kid: "2011-04-29",
    };
    expect(await jwkThumbprint(jwk)).toBe("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  });

  it("EC thumbprints hash crv, kty, x, y in that order", async () => {
    const jwk = { kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", d: "ignored" };
    const want = bytesToBase64Url(await sha256('{"crv":"P-256","kty":"EC","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}'));
    expect(await jwkThumbprint(jwk)).toBe(want);
  });

  it("keyAuthorization = token.thumbprint and the DNS-01 value is its SHA-256", async () => {
    const keys = await generateAccountKey();
    const thumbprint = await jwkThumbprint(await publicJwk(keys.publicKey));
    const token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
    const keyAuthz = await keyAuthorization(token, keys.publicKey);
    expect(keyAuthz).toBe(`${token}.${thumbprint}`);
    const txt = await dns01TxtValue(keyAuthz);
    expect(txt).toBe(bytesToBase64Url(await sha256(keyAuthz)));
    expect(txt).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("account keys", () => {
  it("export/import round-trips and still signs", async () => {
    const keys = await generateAccountKey();
    const json = await exportAccountKey(keys);
    expect(JSON.parse(json)).toMatchObject({ kty: "EC", crv: "P-256" });
    const imported = await importAccountKey(json);
    expect(await publicJwk(imported.publicKey)).toEqual(await publicJwk(keys.publicKey));
    const jws = await signJws({ keys: imported, url: "https://ca.test/x", nonce: "n", kid: "k", payload: {} });
    expect(await verify(await publicJwk(keys.publicKey), jws)).toBe(true);
  });

  const bad = ["not json", "{}", '{"kty":"RSA"}', '{"kty":"EC","crv":"P-256","x":"a","y":"b"}'];
  for (const input of bad) {
    it(`rejects ${input}`, async () => {
      await expect(importAccountKey(input)).rejects.toThrow(/account key/);
    });
  }
});
