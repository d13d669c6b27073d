import { describe, expect, it } from "vitest";
import { AcmeClient } from "../../../src/acme/client";
import { generateAccountKey, publicJwk } from "../../../src/acme/account-key";
import { signExternalAccountBinding } from "../../../src/acme/eab";
import { isAcmeProblem } from "../../../src/acme/problem";
import { base64UrlToBytes, utf8 } from "../../../src/crypto/encoding";
import { CA, FakeCa } from "./fake-ca";

// Pebble's example EAB key (pebble-config-external-account-bindings.json).
const HMAC_KEY = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";

async function verifyHs256(keyB64url: string, jws: { protected: string; payload: string; signature: string }): Promise<boolean> {
  const key = await crypto.subtle.importKey("raw", base64UrlToBytes(keyB64url) as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  return crypto.subtle.verify("HMAC", key, base64UrlToBytes(jws.signature) as Uint8Array<ArrayBuffer>, utf8.encode(`${jws.protected}.${jws.payload}`));
}

describe("external account binding (RFC 8555 §7.3.4)", () => {
  it("is an HS256 JWS over the account JWK with kid and url, no nonce", async () => {
    const keys = await generateAccountKey();
    const jwk = await publicJwk(keys.publicKey);
    const eab = await signExternalAccountBinding({ kid: "kid-1", hmacKeyB64url: HMAC_KEY }, jwk, "https://ca.test/acct");
    expect(JSON.parse(utf8.decode(base64UrlToBytes(eab.protected)))).toEqual({ alg: "HS256", kid: "kid-1", url: "https://ca.test/acct" });
    expect(JSON.parse(utf8.decode(base64UrlToBytes(eab.payload)))).toEqual(jwk);
    expect(await verifyHs256(HMAC_KEY, eab)).toBe(true);
    expect(await verifyHs256("b10lLJs8l1GPIzsLP0s6pMt8O0XVGnfTaCeROxQM0BIt2XrJMDHJZBM5NuQmQJQH", eab)).toBe(false);
  });

  it("createAccount sends it inside the newAccount payload", async () => {
    const ca = new FakeCa();
    ca.directory.meta = { externalAccountRequired: true };
    ca.on("POST", "/acct", () => ({ status: 201, headers: { location: `${CA}/acct/1` }, body: { status: "valid" } }));
    const keys = await generateAccountKey();
    const client = new AcmeClient({ directoryUrl: `${CA}/dir`, accountKey: keys, fetch: ca.fetch });
    await client.createAccount({ termsOfServiceAgreed: true, externalAccountBinding: { kid: "kid-1", hmacKeyB64url: HMAC_KEY } });
    const payload = ca.posts("/acct")[0]!.payload as { externalAccountBinding: { protected: string; payload: string; signature: string } };
    expect(await verifyHs256(HMAC_KEY, payload.externalAccountBinding)).toBe(true);
    expect(JSON.parse(utf8.decode(base64UrlToBytes(payload.externalAccountBinding.payload)))).toEqual(await publicJwk(keys.publicKey));
  });

  it("without a binding, a CA that requires one is refused before any POST", async () => {
    const ca = new FakeCa();
    ca.directory.meta = { externalAccountRequired: true };
    const client = new AcmeClient({ directoryUrl: `${CA}/dir`, accountKey: await generateAccountKey(), fetch: ca.fetch });
    const error = await client.createAccount({ termsOfServiceAgreed: true }).catch((e: unknown) => e);
    expect(isAcmeProblem(error, "externalAccountRequired")).toBe(true);
    expect(ca.posts("/acct")).toHaveLength(0);
  });

  it("rejects a MAC key that is not base64url", async () => {
    const keys = await generateAccountKey();
    await expect(signExternalAccountBinding({ kid: "k", hmacKeyB64url: "not base64!!" }, await publicJwk(keys.publicKey), "https://ca.test/acct")).rejects.toThrow(/base64url/);
  });
});
