/** Private keys in PKCS#8 (RFC 5208), PKCS#1 (RFC 8017 A.1.2) or SEC1 (RFC 5915) PEM, normalized to PKCS#8. */
import { AsnConvert } from "@peculiar/asn1-schema";
import { ECParameters, ECPrivateKey } from "@peculiar/asn1-ecc";
import { EncryptedPrivateKeyInfo, PrivateKey, PrivateKeyInfo } from "@peculiar/asn1-pkcs8";
import { RSAPrivateKey } from "@peculiar/asn1-rsa";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { base64UrlToBytes } from "../crypto/encoding";
import { AppError } from "../core/errors";
import { type Bytes, derShape, describeDerShape, tryParseAsn } from "./der";
import { describeDer } from "./der-sniff";
import { asAppError } from "./guard";
import { keyAlgorithmNames, namedCurves, oid } from "./oids";
import { derToPem, describePemLabel, type PemBlock, readPemBlocks } from "./pem";
import { bitLength, keyTypeName, namedCurveParameters, type PublicKeyComponents } from "./public-key";

export interface ParsedPrivateKey {
  /** PKCS#8 PrivateKeyInfo DER, as WebCrypto exports it. */
  pkcs8: Bytes;
  pkcs8Pem: string;
  algorithm: "RSA" | "EC";
  /** "RSA-2048", "EC-P256", … */
  keyType: string;
  /** The public half, derived from the private key, for matching against a certificate. */
  publicKey: PublicKeyComponents;
  /** WebCrypto parameters that import `pkcs8` for signing. */
  importParams: RsaHashedImportParams | EcKeyImportParams;
}

const keyLabels = new Set(["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"]);
const encryptedMessage = "The private key is encrypted; upload it without a passphrase (e.g. openssl pkey -in key.pem -out key-plain.pem)";

function fail(message: string): never {
  throw new AppError("invalid_private_key", message, { detail: { field: "privateKey" } });
}

function describeOther(block: PemBlock): string {
  if (block.label === "OPENSSH PRIVATE KEY") return "an OpenSSH private key; convert it with ssh-keygen -p -m PKCS8";
  if (block.label === "DSA PRIVATE KEY") return "a DSA private key; use an RSA or ECDSA key";
  return describePemLabel(block.label);
}

function checkShape(block: PemBlock): void {
  const shape = derShape(block.der);
  if (shape !== "ok") fail(`PEM block "${block.label}" is not a valid private key: ${describeDerShape(shape)}`);
}

function notAKey(block: PemBlock, format: string): never {
  const actual = describeDer(block.der);
  if (actual === "an encrypted private key") fail(encryptedMessage);
  const found = actual && actual !== "a private key" ? `it contains ${actual}` : "the ASN.1 structure is invalid";
  return fail(`PEM block "${block.label}" is not a valid ${format} private key: ${found}`);
}

function curveOf(curveOid: string | undefined): string {
  if (!curveOid) fail("The EC private key does not name its curve (explicit curve parameters are not supported)");
  const curve = namedCurves[curveOid];
  if (!curve) fail(`The EC private key uses an unsupported curve (${curveOid}); use P-256 or P-384`);
  return curve;
}

/** PKCS#1 RSAPrivateKey → PKCS#8 with rsaEncryption and NULL parameters (RFC 8017 A.1, RFC 5208 §5). */
function rsaToPkcs8(pkcs1: Bytes): PrivateKeyInfo {
  return new PrivateKeyInfo({
    privateKeyAlgorithm: new AlgorithmIdentifier({ algorithm: oid.rsaEncryption, parameters: null }),
    privateKey: new PrivateKey(pkcs1),
  });
}

/** SEC1 ECPrivateKey → PKCS#8; the curve moves to the AlgorithmIdentifier (RFC 5915 §2, RFC 5480 §2.1.1). */
function ecToPkcs8(key: ECPrivateKey, curveOid: string): PrivateKeyInfo {
  const inner = new ECPrivateKey({ version: 1, privateKey: key.privateKey, publicKey: key.publicKey });
  return new PrivateKeyInfo({
    privateKeyAlgorithm: new AlgorithmIdentifier({ algorithm: oid.ecPublicKey, parameters: namedCurveParameters(curveOid) }),
    privateKey: new PrivateKey(AsnConvert.serialize(inner)),
  });
}

function fromPkcs8Block(block: PemBlock): { info: PrivateKeyInfo; curveOid?: string } {
  const info = tryParseAsn(block.der, PrivateKeyInfo);
  if (!info) {
    if (tryParseAsn(block.der, EncryptedPrivateKeyInfo)) fail(encryptedMessage);
    notAKey(block, "PKCS#8");
  }
  const algorithm = info.privateKeyAlgorithm.algorithm;
  const inner = new Uint8Array(info.privateKey.buffer);
  if (algorithm === oid.rsaEncryption) {
    if (!tryParseAsn(inner, RSAPrivateKey)) fail("The PKCS#8 private key holds a malformed RSA key");
    return { info };
  }
  if (algorithm === oid.ecPublicKey) {
    const params = info.privateKeyAlgorithm.parameters
      ? tryParseAsn(info.privateKeyAlgorithm.parameters, ECParameters)
      : null;
    const ec = tryParseAsn(inner, ECPrivateKey);
    if (!ec) fail("The PKCS#8 private key holds a malformed EC key");
    const curveOid = params?.namedCurve ?? ec.parameters?.namedCurve;
    curveOf(curveOid);
    return { info: ecToPkcs8(ec, curveOid!), curveOid };
  }
  return fail(`Unsupported private key type ${keyAlgorithmNames[algorithm] ?? algorithm}; use an RSA or ECDSA (P-256, P-384) key`);
}

function toPkcs8(block: PemBlock, parameters: PemBlock | undefined): { info: PrivateKeyInfo; curveOid?: string } {
  checkShape(block);
  if (block.label === "PRIVATE KEY") return fromPkcs8Block(block);
  if (block.label === "RSA PRIVATE KEY") {
    const rsa = tryParseAsn(block.der, RSAPrivateKey);
    if (!rsa) notAKey(block, "PKCS#1 RSA");
    // RFC 8017 A.1.2: version 1 means multi-prime, which WebCrypto cannot import.
    if (rsa.version !== 0) fail("Multi-prime RSA private keys are not supported");
    return { info: rsaToPkcs8(block.der) };
  }
  const ec = tryParseAsn(block.der, ECPrivateKey);
  if (!ec) notAKey(block, "SEC1 EC");
  if (ec.version !== 1) fail("The EC private key has an unknown version (RFC 5915 requires 1)");
  // OpenSSL's `ecparam -genkey` writes the curve in a separate "EC PARAMETERS" block before the key.
  const separate = parameters ? tryParseAsn(parameters.der, ECParameters)?.namedCurve : undefined;
  const curveOid = ec.parameters?.namedCurve ?? separate;
  curveOf(curveOid);
  return { info: ecToPkcs8(ec, curveOid!), curveOid };
}

function selectKeyBlock(blocks: PemBlock[]): { key: PemBlock; parameters?: PemBlock } {
  for (const block of blocks) {
    // RFC 1421 §4.6.1.1: "Proc-Type: 4,ENCRYPTED" marks a legacy OpenSSL passphrase-protected key.
    if (block.label === "ENCRYPTED PRIVATE KEY" || /ENCRYPTED/i.test(block.headers["PROC-TYPE"] ?? "")) {
      fail(encryptedMessage);
    }
  }
  const keys = blocks.filter((block) => keyLabels.has(block.label));
  const parameters = blocks.filter((block) => block.label === "EC PARAMETERS");
  const other = blocks.find((block) => !keyLabels.has(block.label) && block.label !== "EC PARAMETERS");
  if (keys.length === 0) fail(`Expected a PEM private key but found ${describeOther(other ?? parameters[0]!)}`);
  if (other) fail(`Expected only a PEM private key but also found ${describeOther(other)}`);
  if (keys.length > 1) fail(`Expected one private key but found ${keys.length}`);
  if (parameters.length > 1) fail(`Expected at most one EC PARAMETERS block but found ${parameters.length}`);
  return { key: keys[0]!, parameters: parameters[0] };
}

const notLoaded = "The private key could not be loaded: its key material is invalid or inconsistent";

async function importAndDescribe(pkcs8: Bytes, curve: string | undefined): Promise<ParsedPrivateKey> {
  return (await tryImport(pkcs8, curve)) ?? fail(notLoaded);
}

/** The key imported by WebCrypto and described, or null when WebCrypto refuses it. */
async function tryImport(pkcs8: Bytes, curve: string | undefined): Promise<ParsedPrivateKey | null> {
  const importParams: RsaHashedImportParams | EcKeyImportParams = curve
    ? { name: "ECDSA", namedCurve: curve }
    : { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  let key: CryptoKey;
  let jwk: JsonWebKey;
  let exported: ArrayBuffer;
  try {
    key = await crypto.subtle.importKey("pkcs8", pkcs8, importParams, true, ["sign"]);
    jwk = (await crypto.subtle.exportKey("jwk", key)) as JsonWebKey;
    exported = (await crypto.subtle.exportKey("pkcs8", key)) as ArrayBuffer;
  } catch {
    return null;
  }
  let publicKey: PublicKeyComponents;
  if (curve) {
    if (!jwk.x || !jwk.y) fail("The private key could not be loaded: its public point is missing");
    const y = base64UrlToBytes(jwk.y);
    publicKey = { kty: "EC", curve, x: base64UrlToBytes(jwk.x), y, yOdd: (y[y.length - 1]! & 1) === 1 };
  } else {
    if (!jwk.n || !jwk.e) fail("The private key could not be loaded: its modulus is missing");
    const n = base64UrlToBytes(jwk.n);
    publicKey = { kty: "RSA", n, e: base64UrlToBytes(jwk.e), bits: bitLength(n) };
  }
  const der = new Uint8Array(exported);
  return {
    pkcs8: der,
    pkcs8Pem: derToPem(der, "PRIVATE KEY"),
    algorithm: curve ? "EC" : "RSA",
    keyType: keyTypeName(publicKey),
    publicKey,
    importParams,
  };
}

/**
 * The common case first: a PKCS#8 RSA key, or a PKCS#8 EC key naming its curve (P-256, P-384) in its algorithm, handed
 * to WebCrypto as it is. WebCrypto checks the key material; what it exports is the normalized PKCS#8. Anything else,
 * and anything WebCrypto refuses, is null: the full reading below then normalizes it or says precisely what is wrong.
 * Skipping that reading when the key loads is a third of the key's cost (bench/RESULTS.md, validate throughput).
 */
async function importAsGiven(block: PemBlock): Promise<ParsedPrivateKey | null> {
  if (block.label !== "PRIVATE KEY" || derShape(block.der) !== "ok") return null;
  const info = tryParseAsn(block.der, PrivateKeyInfo);
  if (!info) return null;
  const algorithm = info.privateKeyAlgorithm.algorithm;
  if (algorithm === oid.rsaEncryption) return await tryImport(block.der, undefined);
  if (algorithm !== oid.ecPublicKey || !info.privateKeyAlgorithm.parameters) return null;
  const curveOid = tryParseAsn(info.privateKeyAlgorithm.parameters, ECParameters)?.namedCurve;
  const curve = curveOid ? namedCurves[curveOid] : undefined;
  return curve ? await tryImport(block.der, curve) : null;
}

/**
 * Parses one unencrypted RSA or EC private key. Encrypted keys, other key types, certificates,
 * CSRs and anything malformed throw AppError("invalid_private_key") saying what was found.
 */
export async function parsePrivateKey(pem: string): Promise<ParsedPrivateKey> {
  try {
    const blocks = readPemBlocks(pem, { code: "invalid_private_key", expected: "a PEM private key", field: "privateKey" });
    const { key, parameters } = selectKeyBlock(blocks);
    const asGiven = await importAsGiven(key);
    if (asGiven) return asGiven;
    const { info, curveOid } = toPkcs8(key, parameters);
    const pkcs8 = new Uint8Array(AsnConvert.serialize(info));
    return await importAndDescribe(pkcs8, curveOid ? namedCurves[curveOid] : undefined);
  } catch (error) {
    throw asAppError(error, "invalid_private_key", "The private key could not be read");
  }
}
