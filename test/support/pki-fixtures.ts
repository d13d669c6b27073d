/**
 * Test-time PKI: keys, CAs and certificate chains generated inside workerd with WebCrypto, so no
 * private key is ever committed. Usable from any test (route tests too):
 *
 *   const chain = await makeChain({ names: ["example.com"], key: "EC-P256" });
 *   chain.fullPem   // leaf + intermediate + root, leaf first
 *   chain.keyPem    // the leaf key, PKCS#8 PEM (keyPkcs1Pem / keySec1Pem for the legacy forms)
 *
 *   const ca = await makeCa({ cn: "Client CA" });                 // a self-signed root
 *   const client = await makeChain({ issuer: ca, eku: ["clientAuth"], names: [] , cn: "client-1" });
 *
 * Defaults: leaf EC-P256 for ["example.com", "www.example.com"], valid from 1 day ago for 90 days,
 * EKU serverAuth, issued by an intermediate under a root. Default CAs are cached per module (per
 * vitest worker: its test files share one workerd), so repeated calls are cheap; pass dates to get fresh ones.
 */
import { ECParameters, ECPrivateKey } from "@peculiar/asn1-ecc";
import { PrivateKeyInfo } from "@peculiar/asn1-pkcs8";
import { AsnConvert } from "@peculiar/asn1-schema";
import { bytesToBase64 } from "../../src/crypto/encoding";
import { x509 } from "../../src/pki/x509-setup";

export type FixtureKeyType = "RSA-1024" | "RSA-2048" | "RSA-3072" | "RSA-4096" | "EC-P256" | "EC-P384";
export type FixtureHash = "SHA-256" | "SHA-384" | "SHA-1";
export type FixtureEku = "serverAuth" | "clientAuth";

export const dayMs = 86_400_000;

/** PEM with 64-character lines and a final newline. */
export function toPem(der: ArrayBuffer | Uint8Array, label: string): string {
  const base64 = bytesToBase64(der instanceof Uint8Array ? der : new Uint8Array(der));
  return `-----BEGIN ${label}-----\n${base64.match(/.{1,64}/g)!.join("\n")}\n-----END ${label}-----\n`;
}

/** The DER of the first PEM block (no validation: for tampering in tests). */
export function fromPem(pem: string): Uint8Array<ArrayBuffer> {
  const body = pem.replace(/-----(BEGIN|END)[^-]+-----/g, "").replace(/\s+/g, "");
  return Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
}

function keyParams(type: FixtureKeyType, hash: FixtureHash = "SHA-256"): RsaHashedKeyGenParams | EcKeyGenParams {
  if (type.startsWith("RSA-")) {
    const modulusLength = Number(type.slice(4));
    return { name: "RSASSA-PKCS1-v1_5", modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash };
  }
  return { name: "ECDSA", namedCurve: type === "EC-P384" ? "P-384" : "P-256" };
}

/** A fresh extractable key pair (workerd generates RSA-1024 too, which the weak-key tests need). */
export async function makeKey(type: FixtureKeyType): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(keyParams(type), true, ["sign", "verify"])) as CryptoKeyPair;
}

/**
 * WebCrypto's RSASSA-PKCS1-v1_5 signs with the hash bound to the key, not the one passed to sign(),
 * so signing with another hash (SHA-1 fixtures) re-imports the private key bound to that hash.
 */
async function signer(keys: CryptoKeyPair, hash: FixtureHash): Promise<{ key: CryptoKey; algorithm: Algorithm }> {
  if (keys.privateKey.algorithm.name === "ECDSA") return { key: keys.privateKey, algorithm: { name: "ECDSA", hash } as Algorithm };
  const pkcs8 = (await crypto.subtle.exportKey("pkcs8", keys.privateKey)) as ArrayBuffer;
  const algorithm = { name: "RSASSA-PKCS1-v1_5", hash } as Algorithm;
  return { key: await crypto.subtle.importKey("pkcs8", pkcs8, algorithm, false, ["sign"]), algorithm };
}

let serialCounter = 0x1000;
function nextSerial(): string {
  serialCounter += 1;
  return `01${serialCounter.toString(16).padStart(6, "0")}`;
}

export interface TestCa {
  cert: x509.X509Certificate;
  pem: string;
  keys: CryptoKeyPair;
  keyType: FixtureKeyType;
  /** The CA that signed this one; undefined for a self-signed root. */
  issuer?: TestCa;
}

export interface CaOptions {
  /** Default "EC-P256". */
  key?: FixtureKeyType;
  cn?: string;
  /** Organization (O) of the CA's subject, which reports show as the issuer. Default "Certdesk Test". */
  o?: string;
  /** Hash of this CA certificate's own signature. Default SHA-256. */
  hash?: FixtureHash;
  notBefore?: Date;
  notAfter?: Date;
  /** Signs this CA with another one (an intermediate); omitted: a self-signed root. */
  issuer?: TestCa;
  /** basicConstraints cA; false makes a bogus "CA" for negative tests. Default true. */
  isCa?: boolean;
}

const caCache = new Map<string, Promise<TestCa>>();

async function createCa(options: CaOptions): Promise<TestCa> {
  const keyType = options.key ?? "EC-P256";
  const keys = await makeKey(keyType);
  const subject: x509.JsonName = [{ CN: [options.cn ?? "Certdesk Test CA"] }, { O: [options.o ?? "Certdesk Test"] }];
  const extensions = [
    new x509.BasicConstraintsExtension(options.isCa ?? true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const signing = options.issuer ?? { keys, cert: null };
  const { key, algorithm } = await signer(signing.keys, options.hash ?? "SHA-256");
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject,
    issuer: options.issuer ? options.issuer.cert.subjectName : subject,
    notBefore: options.notBefore ?? new Date(Date.now() - 30 * dayMs),
    notAfter: options.notAfter ?? new Date(Date.now() + 3650 * dayMs),
    publicKey: keys.publicKey,
    signingKey: key,
    signingAlgorithm: algorithm,
    extensions,
  });
  return { cert, pem: cert.toString("pem") + "\n", keys, keyType, issuer: options.issuer };
}

/** A CA certificate: a self-signed root, or an intermediate when `issuer` is given. Cached when no dates are given. */
export function makeCa(options: CaOptions = {}): Promise<TestCa> {
  if (options.notBefore || options.notAfter) return createCa(options);
  const { issuer, ...rest } = options;
  const cacheKey = JSON.stringify({ ...rest, issuer: issuer?.cert.serialNumber });
  let ca = caCache.get(cacheKey);
  if (!ca) {
    ca = createCa(options);
    caCache.set(cacheKey, ca);
  }
  return ca;
}

export interface ChainOptions {
  /** Leaf key type. Default "EC-P256". */
  key?: FixtureKeyType;
  /** Key type of the generated root and intermediate. Default RSA-2048 for RSA leaves, EC-P256 otherwise. */
  caKey?: FixtureKeyType;
  /** SAN dNSNames; [] for a certificate with no SAN (CN only). Default ["example.com", "www.example.com"]. */
  names?: string[];
  /** Subject CN. Default the first name, or "example.com". */
  cn?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** Hash of the leaf's signature. Default SHA-256. */
  hash?: FixtureHash;
  /** Hash of the intermediate's signature (made by the root). Default SHA-256. */
  caHash?: FixtureHash;
  /** A self-signed leaf: no CA at all (rootPem, chainPem and fullPem are then the leaf). */
  selfSigned?: boolean;
  /** Issue the leaf from an intermediate (default true) or straight from the root. */
  withIntermediate?: boolean;
  /** Extended key usages; null for no EKU extension. Default ["serverAuth"]. */
  eku?: FixtureEku[] | null;
  /** Issue the leaf from this CA instead of generated ones (e.g. a client-certificate CA from makeCa). */
  issuer?: TestCa;
  /** Dates of the generated intermediate (uncached when set). */
  intermediateNotBefore?: Date;
  intermediateNotAfter?: Date;
}

export interface TestChain {
  leaf: x509.X509Certificate;
  leafPem: string;
  /** The direct issuer when it is not the root. */
  intermediatePem?: string;
  rootPem: string;
  /** Leaf + intermediate (what a server sends). */
  chainPem: string;
  /** Leaf + intermediate + root. */
  fullPem: string;
  /** Leaf key as PKCS#8 "PRIVATE KEY" PEM. */
  keyPem: string;
  /** Leaf key as PKCS#1 "RSA PRIVATE KEY" PEM (RSA leaves). */
  keyPkcs1Pem?: string;
  /** Leaf key as SEC1 "EC PRIVATE KEY" PEM with the curve inside (EC leaves). */
  keySec1Pem?: string;
  key: CryptoKeyPair;
  rootKey: CryptoKeyPair;
  intermediateKey?: CryptoKeyPair;
  root?: TestCa;
  intermediate?: TestCa;
}

function leafExtensions(names: string[], eku: FixtureEku[] | null): x509.Extension[] {
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
  ];
  if (names.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: "dns" as const, value }))));
  }
  if (eku) extensions.push(new x509.ExtendedKeyUsageExtension(eku.map((usage) => x509.ExtendedKeyUsage[usage])));
  return extensions;
}

function rootOf(ca: TestCa): TestCa {
  return ca.issuer ? rootOf(ca.issuer) : ca;
}

/** A leaf certificate with its key and chain. See the module comment for defaults. */
export async function makeChain(options: ChainOptions = {}): Promise<TestChain> {
  const keyType = options.key ?? "EC-P256";
  const names = options.names ?? ["example.com", "www.example.com"];
  const cn = options.cn ?? names[0] ?? "example.com";
  const key = await makeKey(keyType);
  const notBefore = options.notBefore ?? new Date(Date.now() - dayMs);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + 90 * dayMs);
  const extensions = leafExtensions(names, options.eku === undefined ? ["serverAuth"] : options.eku);
  const keyPems = await legacyKeyPems(key, keyType);

  if (options.selfSigned) {
    const { key: signingKey, algorithm } = await signer(key, options.hash ?? "SHA-256");
    const subject = [{ CN: [cn] }];
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: nextSerial(), subject, issuer: subject, notBefore, notAfter,
      publicKey: key.publicKey, signingKey, signingAlgorithm: algorithm, extensions,
    });
    const leafPem = leaf.toString("pem") + "\n";
    return { leaf, leafPem, rootPem: leafPem, chainPem: leafPem, fullPem: leafPem, key, rootKey: key, ...keyPems };
  }

  const caKey = options.caKey ?? (keyType.startsWith("RSA") ? "RSA-2048" : "EC-P256");
  let issuer = options.issuer;
  let intermediate: TestCa | undefined;
  if (!issuer) {
    const root = await makeCa({ key: caKey, cn: "Certdesk Test Root" });
    if (options.withIntermediate === false) {
      issuer = root;
    } else {
      intermediate = await makeCa({
        key: caKey, cn: "Certdesk Test Intermediate", issuer: root, hash: options.caHash,
        notBefore: options.intermediateNotBefore, notAfter: options.intermediateNotAfter,
      });
      issuer = intermediate;
    }
  } else if (issuer.issuer) {
    intermediate = issuer;
  }
  const root = rootOf(issuer);
  const { key: signingKey, algorithm } = await signer(issuer.keys, options.hash ?? "SHA-256");
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(), subject: [{ CN: [cn] }], issuer: issuer.cert.subjectName, notBefore, notAfter,
    publicKey: key.publicKey, signingKey, signingAlgorithm: algorithm, extensions,
  });
  const leafPem = leaf.toString("pem") + "\n";
  const chainPem = leafPem + (intermediate?.pem ?? "");
  return {
    leaf, leafPem, intermediatePem: intermediate?.pem, rootPem: root.pem, chainPem, fullPem: chainPem + root.pem,
    key, rootKey: root.keys, intermediateKey: intermediate?.keys, root, intermediate, ...keyPems,
  };
}

async function legacyKeyPems(key: CryptoKeyPair, keyType: FixtureKeyType) {
  const keyPem = toPem((await crypto.subtle.exportKey("pkcs8", key.privateKey)) as ArrayBuffer, "PRIVATE KEY");
  return keyType.startsWith("RSA") ? { keyPem, keyPkcs1Pem: toPkcs1Pem(keyPem) } : { keyPem, keySec1Pem: toSec1Pem(keyPem) };
}

/** PKCS#8 RSA key → PKCS#1 "RSA PRIVATE KEY" (what `openssl genrsa -traditional` writes). */
export function toPkcs1Pem(pkcs8Pem: string): string {
  const info = AsnConvert.parse(fromPem(pkcs8Pem), PrivateKeyInfo);
  return toPem(info.privateKey.buffer, "RSA PRIVATE KEY");
}

/**
 * PKCS#8 EC key → SEC1 "EC PRIVATE KEY" with the curve inside. `parametersBlock` prepends an
 * "EC PARAMETERS" block and leaves the curve out of the key, as `openssl ecparam -genkey` can.
 */
export function toSec1Pem(pkcs8Pem: string, options: { parametersBlock?: boolean } = {}): string {
  const info = AsnConvert.parse(fromPem(pkcs8Pem), PrivateKeyInfo);
  const curve = AsnConvert.parse(info.privateKeyAlgorithm.parameters!, ECParameters);
  const ec = AsnConvert.parse(info.privateKey.buffer, ECPrivateKey);
  const sec1 = new ECPrivateKey({
    version: 1, privateKey: ec.privateKey, publicKey: ec.publicKey,
    parameters: options.parametersBlock ? undefined : curve,
  });
  const keyPem = toPem(AsnConvert.serialize(sec1), "EC PRIVATE KEY");
  return options.parametersBlock ? toPem(AsnConvert.serialize(curve), "EC PARAMETERS") + keyPem : keyPem;
}

// Minimal DER writer for the PBES2 structure below (X.690 §8.1.3 definite lengths).
function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    body.set(part, offset);
    offset += part.length;
  }
  const length = body.length < 0x80 ? [body.length] : body.length < 0x100 ? [0x81, body.length] : [0x82, body.length >> 8, body.length & 0xff];
  return new Uint8Array([tag, ...length, ...body]);
}
function derOid(text: string): Uint8Array {
  const [a, b, ...rest] = text.split(".").map(Number);
  const bytes = [a! * 40 + b!];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, new Uint8Array(bytes));
}

/**
 * A genuinely encrypted PKCS#8 key, "ENCRYPTED PRIVATE KEY" (RFC 5958 §3, PBES2 of RFC 8018 §6.2:
 * PBKDF2-HMAC-SHA256 + AES-256-CBC), as `openssl pkcs8 -topk8 -v2 aes256` writes it.
 * `label` lets tests mislabel it as "PRIVATE KEY".
 */
export async function encryptedPkcs8Pem(pkcs8Pem: string, password = "secret", label = "ENCRYPTED PRIVATE KEY"): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(16));
  const iterations = 2048;
  const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveKey"]);
  const aes = await crypto.subtle.deriveKey(
    { name: "PBKDF2", salt, iterations, hash: "SHA-256" }, base, { name: "AES-CBC", length: 256 }, false, ["encrypt"],
  );
  const encrypted = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CBC", iv }, aes, fromPem(pkcs8Pem)));
  const pbkdf2 = tlv(0x30, derOid("1.2.840.113549.1.5.12"),
    tlv(0x30, tlv(0x04, salt), tlv(0x02, new Uint8Array([iterations >> 8, iterations & 0xff])),
      tlv(0x30, derOid("1.2.840.113549.2.9"), new Uint8Array([0x05, 0x00]))));
  const scheme = tlv(0x30, derOid("2.16.840.1.101.3.4.1.42"), tlv(0x04, iv));
  const algorithm = tlv(0x30, derOid("1.2.840.113549.1.5.13"), tlv(0x30, pbkdf2, scheme));
  return toPem(tlv(0x30, algorithm, tlv(0x04, encrypted)), label);
}

/** A legacy OpenSSL passphrase-protected key (RFC 1421 headers); the body is random, as only the headers matter. */
export function legacyEncryptedPem(label = "RSA PRIVATE KEY"): string {
  const body = bytesToBase64(crypto.getRandomValues(new Uint8Array(96)));
  return `-----BEGIN ${label}-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\n${body.match(/.{1,64}/g)!.join("\n")}\n-----END ${label}-----\n`;
}

/** Flips the last byte of a certificate's DER (inside its signature), so the signature no longer verifies. */
export function corruptSignature(pem: string): string {
  const der = fromPem(pem);
  der[der.length - 1] = der[der.length - 1]! ^ 0x01;
  return toPem(der, "CERTIFICATE");
}

/** Rewrites PEM with CRLF line endings, indentation and blank lines, as pasted from Windows or email. */
export function messUp(pem: string): string {
  return `\r\n  ${pem.replace(/\n/g, "  \r\n\t")}\r\n\r\n`;
}
