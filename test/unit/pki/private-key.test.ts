import { ECParameters, ECPrivateKey } from "@peculiar/asn1-ecc";
import { PrivateKey, PrivateKeyInfo } from "@peculiar/asn1-pkcs8";
import { RSAPrivateKey } from "@peculiar/asn1-rsa";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { beforeAll, describe, expect, it } from "vitest";
import { createCsr, parsePrivateKey } from "../../../src/pki";
import {
  encryptedPkcs8Pem,
  fromPem,
  legacyEncryptedPem,
  makeChain,
  makeKey,
  type TestChain,
  toPem,
  toSec1Pem,
} from "../../support/pki-fixtures";
import { expectAppError } from "./helpers";

let ec: TestChain;
let rsa: TestChain;
beforeAll(async () => {
  [ec, rsa] = await Promise.all([makeChain({ key: "EC-P256" }), makeChain({ key: "RSA-2048" })]);
});

describe("parsePrivateKey accepts", () => {
  const rows: { name: string; input: () => Promise<string> | string; want: { algorithm: "RSA" | "EC"; keyType: string } }[] = [
    { name: "PKCS#8 RSA-2048", input: () => rsa.keyPem, want: { algorithm: "RSA", keyType: "RSA-2048" } },
    { name: "PKCS#1 RSA-2048", input: () => rsa.keyPkcs1Pem!, want: { algorithm: "RSA", keyType: "RSA-2048" } },
    { name: "PKCS#8 RSA-1024 (policy is for the certificate check)", input: async () => (await makeChain({ key: "RSA-1024" })).keyPem, want: { algorithm: "RSA", keyType: "RSA-1024" } },
    { name: "PKCS#1 RSA-3072", input: async () => (await makeChain({ key: "RSA-3072" })).keyPkcs1Pem!, want: { algorithm: "RSA", keyType: "RSA-3072" } },
    { name: "PKCS#8 EC P-256", input: () => ec.keyPem, want: { algorithm: "EC", keyType: "EC-P256" } },
    { name: "SEC1 EC P-256", input: () => ec.keySec1Pem!, want: { algorithm: "EC", keyType: "EC-P256" } },
    { name: "SEC1 EC P-384", input: async () => (await makeChain({ key: "EC-P384" })).keySec1Pem!, want: { algorithm: "EC", keyType: "EC-P384" } },
    { name: "EC PARAMETERS block then SEC1 key without curve", input: () => toSec1Pem(ec.keyPem, { parametersBlock: true }), want: { algorithm: "EC", keyType: "EC-P256" } },
    { name: "CRLF and indentation", input: () => `  ${rsa.keyPkcs1Pem!.replace(/\n/g, "\r\n  ")}`, want: { algorithm: "RSA", keyType: "RSA-2048" } },
    {
      name: "SEC1 key without its optional public key",
      input: () => {
        const info = AsnConvert.parse(fromPem(ec.keyPem), PrivateKeyInfo);
        const key = AsnConvert.parse(info.privateKey.buffer, ECPrivateKey);
        const curve = AsnConvert.parse(info.privateKeyAlgorithm.parameters!, ECParameters);
        return toPem(AsnConvert.serialize(new ECPrivateKey({ version: 1, privateKey: key.privateKey, parameters: curve })), "EC PRIVATE KEY");
      },
      want: { algorithm: "EC", keyType: "EC-P256" },
    },
  ];
  for (const { name, input, want } of rows) {
    it(name, async () => {
      const parsed = await parsePrivateKey(await input());
      expect(parsed.algorithm).toBe(want.algorithm);
      expect(parsed.keyType).toBe(want.keyType);
      expect(parsed.pkcs8Pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
      // The normalized PKCS#8 imports into WebCrypto and parses back to the same key.
      const key = await crypto.subtle.importKey("pkcs8", parsed.pkcs8, parsed.importParams, false, ["sign"]);
      expect(key.type).toBe("private");
      expect((await parsePrivateKey(parsed.pkcs8Pem)).pkcs8).toEqual(parsed.pkcs8);
    });
  }

  it("derives the same public key from PKCS#8, PKCS#1 and SEC1 forms", async () => {
    expect((await parsePrivateKey(rsa.keyPkcs1Pem!)).publicKey).toEqual((await parsePrivateKey(rsa.keyPem)).publicKey);
    expect((await parsePrivateKey(ec.keySec1Pem!)).publicKey).toEqual((await parsePrivateKey(ec.keyPem)).publicKey);
    expect((await parsePrivateKey(ec.keyPem)).publicKey).not.toEqual((await parsePrivateKey(rsa.keyPem)).publicKey);
  });

  it("a PKCS#8 key, loaded as given, normalizes to the same PKCS#8 as its PKCS#1 or SEC1 form, read in full", async () => {
    for (const [pkcs8, other] of [[rsa.keyPem, rsa.keyPkcs1Pem!], [ec.keyPem, ec.keySec1Pem!]] as const) {
      const asGiven = await parsePrivateKey(pkcs8);
      const normalized = await parsePrivateKey(other);
      expect(asGiven.pkcs8).toEqual(normalized.pkcs8);
      expect(asGiven.pkcs8Pem).toBe(normalized.pkcs8Pem);
      expect(asGiven.importParams).toEqual(normalized.importParams);
      expect(asGiven.keyType).toBe(normalized.keyType);
    }
  });
});

function pkcs8With(algorithm: string, parameters: ArrayBuffer | null, inner: ArrayBuffer): string {
  const info = new PrivateKeyInfo({
    privateKeyAlgorithm: new AlgorithmIdentifier({ algorithm, parameters }),
    privateKey: new PrivateKey(inner),
  });
  return toPem(AsnConvert.serialize(info), "PRIVATE KEY");
}

const encrypted = "The private key is encrypted; upload it without a passphrase (e.g. openssl pkey -in key.pem -out key-plain.pem)";
const expectedKey = "Expected a PEM private key but found";

describe("parsePrivateKey refuses", () => {
  const rows: { name: string; input: () => Promise<string> | string; want: string | RegExp }[] = [
    { name: "empty string", input: () => "", want: "Expected a PEM private key but the input is empty" },
    { name: "garbage", input: () => "my key", want: `${expectedKey} text that is not PEM (no -----BEGIN line)` },
    { name: "a certificate", input: () => ec.leafPem, want: `${expectedKey} a certificate` },
    { name: "a certificate chain", input: () => ec.fullPem, want: `${expectedKey} a certificate` },
    { name: "a CSR", input: async () => toPem(await createCsr(ec.key, ["example.com"]), "CERTIFICATE REQUEST"), want: `${expectedKey} a certificate signing request (CSR)` },
    {
      name: "a public key",
      input: async () => toPem((await crypto.subtle.exportKey("spki", ec.key.publicKey)) as ArrayBuffer, "PUBLIC KEY"),
      want: `${expectedKey} a public key`,
    },
    { name: "EC parameters alone", input: () => toSec1Pem(ec.keyPem, { parametersBlock: true }).split(/(?<=-----END EC PARAMETERS-----\n)/)[0]!, want: `${expectedKey} EC parameters` },
    { name: "an ENCRYPTED PRIVATE KEY (PBES2)", input: () => encryptedPkcs8Pem(ec.keyPem), want: encrypted },
    { name: "an EncryptedPrivateKeyInfo labelled PRIVATE KEY", input: () => encryptedPkcs8Pem(rsa.keyPem, "pw", "PRIVATE KEY"), want: encrypted },
    { name: "a legacy Proc-Type: 4,ENCRYPTED RSA key", input: () => legacyEncryptedPem("RSA PRIVATE KEY"), want: encrypted },
    { name: "a legacy Proc-Type: 4,ENCRYPTED EC key", input: () => legacyEncryptedPem("EC PRIVATE KEY"), want: encrypted },
    { name: "two keys", input: () => ec.keyPem + rsa.keyPem, want: "Expected one private key but found 2" },
    { name: "a key followed by its certificate", input: () => ec.keyPem + ec.leafPem, want: "Expected only a PEM private key but also found a certificate" },
    { name: "an OpenSSH private key", input: () => toPem(new Uint8Array([1, 2, 3]), "OPENSSH PRIVATE KEY"), want: `${expectedKey} an OpenSSH private key; convert it with ssh-keygen -p -m PKCS8` },
    { name: "a DSA private key", input: () => toPem(new Uint8Array([0x30, 0x00]), "DSA PRIVATE KEY"), want: `${expectedKey} a DSA private key; use an RSA or ECDSA key` },
    { name: "an RSA PRIVATE KEY holding PKCS#8", input: () => toPem(fromPem(rsa.keyPem), "RSA PRIVATE KEY"), want: 'PEM block "RSA PRIVATE KEY" is not a valid PKCS#1 RSA private key: the ASN.1 structure is invalid' },
    { name: "an EC PRIVATE KEY holding a certificate", input: () => toPem(fromPem(ec.leafPem), "EC PRIVATE KEY"), want: 'PEM block "EC PRIVATE KEY" is not a valid SEC1 EC private key: it contains a certificate' },
    { name: "a PRIVATE KEY holding a certificate", input: () => toPem(fromPem(ec.leafPem), "PRIVATE KEY"), want: 'PEM block "PRIVATE KEY" is not a valid PKCS#8 private key: it contains a certificate' },
    { name: "a truncated PRIVATE KEY", input: () => toPem(fromPem(rsa.keyPem).slice(0, 300), "PRIVATE KEY"), want: 'PEM block "PRIVATE KEY" is not a valid private key: the DER data is truncated' },
    { name: "a PRIVATE KEY of random bytes", input: () => toPem(new Uint8Array([0x30, 0x04, 1, 2, 3, 4]), "PRIVATE KEY"), want: 'PEM block "PRIVATE KEY" is not a valid PKCS#8 private key: the ASN.1 structure is invalid' },
    {
      name: "an Ed25519 key",
      input: async () => {
        const keys = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
        return toPem((await crypto.subtle.exportKey("pkcs8", keys.privateKey)) as ArrayBuffer, "PRIVATE KEY");
      },
      want: "Unsupported private key type Ed25519; use an RSA or ECDSA (P-256, P-384) key",
    },
    {
      name: "an RSA-PSS key",
      input: () => pkcs8With("1.2.840.113549.1.1.10", null, AsnConvert.parse(fromPem(rsa.keyPem), PrivateKeyInfo).privateKey.buffer),
      want: "Unsupported private key type RSA-PSS; use an RSA or ECDSA (P-256, P-384) key",
    },
    {
      name: "a secp256k1 SEC1 key",
      input: () => {
        const key = new ECPrivateKey({
          version: 1,
          privateKey: new OctetString(crypto.getRandomValues(new Uint8Array(32))),
          parameters: new ECParameters({ namedCurve: "1.3.132.0.10" }),
        });
        return toPem(AsnConvert.serialize(key), "EC PRIVATE KEY");
      },
      want: "The EC private key uses an unsupported curve (1.3.132.0.10); use P-256 or P-384",
    },
    {
      name: "a SEC1 key without a curve",
      input: () => toSec1Pem(ec.keyPem, { parametersBlock: true }).split(/(?<=-----END EC PARAMETERS-----\n)/)[1]!,
      want: "The EC private key does not name its curve (explicit curve parameters are not supported)",
    },
    {
      name: "an RSA key whose CRT values are inconsistent",
      input: () => {
        const key = AsnConvert.parse(fromPem(rsa.keyPkcs1Pem!), RSAPrivateKey);
        const prime = new Uint8Array(key.prime1);
        prime[prime.length - 1] = prime[prime.length - 1]! ^ 0x02;
        key.prime1 = prime.buffer;
        return toPem(AsnConvert.serialize(key), "RSA PRIVATE KEY");
      },
      want: "The private key could not be loaded: its key material is invalid or inconsistent",
    },
    {
      name: "an EC key whose scalar is out of range",
      input: () => {
        const info = AsnConvert.parse(fromPem(ec.keyPem), PrivateKeyInfo);
        const key = AsnConvert.parse(info.privateKey.buffer, ECPrivateKey);
        const bad = new ECPrivateKey({ version: 1, privateKey: new OctetString(new Uint8Array(32).fill(0xff)), publicKey: key.publicKey });
        return pkcs8With(info.privateKeyAlgorithm.algorithm, info.privateKeyAlgorithm.parameters ?? null, AsnConvert.serialize(bad));
      },
      want: /^The private key could not be loaded/,
    },
  ];
  for (const { name, input, want } of rows) {
    it(name, async () => {
      const pem = await input();
      await expectAppError(() => parsePrivateKey(pem), "invalid_private_key", want);
    });
  }

  it("marks the field in the error detail", async () => {
    const error = await expectAppError(() => parsePrivateKey(""), "invalid_private_key", /empty/);
    expect(error.detail).toEqual({ field: "privateKey" });
  });
});

describe("fixture sanity", () => {
  it("makeKey honours the key type", async () => {
    const keys = await makeKey("RSA-1024");
    expect((keys.publicKey.algorithm as { modulusLength?: number }).modulusLength).toBe(1024);
  });
});
