/** A PKCS#10 certificate request (RFC 2986) from a requester who keeps its key: parsed, its signature verified, its key and names read. */
import { AsnConvert } from "@peculiar/asn1-schema";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { AppError } from "../../core/errors";
import { base64ToBytes } from "../../crypto/encoding";
import type { Bytes } from "../der";
import { readPemBlocks } from "../pem";
import { readSubjectPublicKeyInfo } from "../public-key";
import { x509 } from "../x509-setup";
import { normalizeSubjectNames, type SubjectNames } from "./names";

export interface CertificateRequest {
  publicKey: CryptoKey;
  names: SubjectNames;
  /** "EC P-256", "RSA 2048". */
  keyDescription: string;
}

/** A CSR is 0.5–6 KiB; bounds the parser's work on hostile input. */
const MAX_CSR_CHARS = 64 * 1024;
const PARAM = "csr";
/** RFC 5280 §4.2.1.6 id-ce-subjectAltName. */
const SAN_OID = "2.5.29.17";

function unparsable(why: string, cause?: unknown): AppError {
  return new AppError("validation_failed", `the CSR could not be parsed: ${why}`, { param: PARAM, cause });
}

/** PEM ("CERTIFICATE REQUEST" or OpenSSL's "NEW CERTIFICATE REQUEST") or bare base64 DER. */
function csrDer(text: unknown): Bytes {
  if (typeof text !== "string" || text.trim() === "") throw unparsable("it is empty; send a PEM CERTIFICATE REQUEST");
  if (text.length > MAX_CSR_CHARS) throw unparsable(`it is larger than ${MAX_CSR_CHARS / 1024} KiB`);
  if (!text.includes("-----BEGIN")) {
    const compact = text.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw unparsable("it is neither PEM nor base64 DER");
    try {
      return base64ToBytes(compact);
    } catch (error) {
      throw unparsable("it is not valid base64", error);
    }
  }
  let blocks;
  try {
    blocks = readPemBlocks(text, { code: "validation_failed", expected: "a PEM CERTIFICATE REQUEST", field: PARAM });
  } catch (error) {
    throw unparsable(error instanceof Error ? error.message : "malformed PEM", error);
  }
  const request = blocks.filter((block) => block.label === "CERTIFICATE REQUEST" || block.label === "NEW CERTIFICATE REQUEST");
  if (request.length !== 1) throw unparsable(`expected one CERTIFICATE REQUEST block, found ${blocks.map((block) => block.label).join(", ")}`);
  return request[0]!.der;
}

/** The requester's key as a WebCrypto key: RSA ≥ 2048 bits or EC P-256/P-384, the keys our CAs sign for (CA/B BR §6.1.5). */
async function requestKey(csr: x509.Pkcs10CertificateRequest): Promise<{ key: CryptoKey; description: string }> {
  let spki: SubjectPublicKeyInfo;
  try {
    spki = AsnConvert.parse(csr.publicKey.rawData, SubjectPublicKeyInfo);
  } catch (error) {
    throw unparsable("its public key is malformed", error);
  }
  const components = readSubjectPublicKeyInfo(spki);
  const refuse = (what: string) =>
    new AppError("validation_failed", `the CSR's key is ${what}: use RSA with at least 2048 bits, or EC P-256 or P-384`, { param: PARAM });
  let algorithm: RsaHashedImportParams | EcKeyImportParams;
  let description: string;
  if (components.kty === "RSA") {
    if (components.bits < 2048) throw refuse(`RSA ${components.bits}`);
    if (components.bits > 8192) throw refuse(`RSA ${components.bits} (over 8192 bits)`);
    // The hash only binds the imported key for verification; the certificate carries the SPKI as the CSR had it.
    algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    description = `RSA ${components.bits}`;
  } else if (components.kty === "EC") {
    if (components.curve !== "P-256" && components.curve !== "P-384") throw refuse(`EC ${components.curve}`);
    algorithm = { name: "ECDSA", namedCurve: components.curve };
    description = `EC ${components.curve}`;
  } else {
    throw refuse(components.name);
  }
  try {
    return { key: await csr.publicKey.export(algorithm, ["verify"]), description };
  } catch (error) {
    throw unparsable("its public key cannot be imported", error);
  }
}

/** SAN entries of the kinds a private-CA leaf carries; any other kind is refused rather than dropped unseen. */
function requestedNames(csr: x509.Pkcs10CertificateRequest): Partial<SubjectNames> {
  const names = { dnsNames: [] as string[], ipAddresses: [] as string[], uris: [] as string[], emails: [] as string[] };
  let san: x509.SubjectAlternativeNameExtension | null = null;
  try {
    const extension = csr.getExtension(SAN_OID);
    if (extension) san = new x509.SubjectAlternativeNameExtension(extension.rawData);
  } catch (error) {
    throw unparsable("its subjectAltName extension is malformed", error);
  }
  for (const item of san?.names.items ?? []) {
    if (item.type === "dns") names.dnsNames.push(item.value);
    else if (item.type === "ip") names.ipAddresses.push(item.value);
    else if (item.type === "url") names.uris.push(item.value);
    else if (item.type === "email") names.emails.push(item.value);
    else {
      throw new AppError("validation_failed", `the CSR asks for a subjectAltName of type ${item.type}, which this CA does not issue (only DNS names, IP addresses, URIs and emails)`, { param: PARAM });
    }
  }
  const commonName = csr.subjectName.getField("CN")[0];
  return commonName === undefined ? names : { ...names, commonName };
}

/** The CSR's names validated as any request's names, the refusal naming the CSR as its field and keeping the entry's detail. */
function csrNames(csr: x509.Pkcs10CertificateRequest, allowWildcards: boolean): SubjectNames {
  try {
    return normalizeSubjectNames(requestedNames(csr), { allowWildcards });
  } catch (error) {
    if (!(error instanceof AppError) || error.param === PARAM) throw error;
    throw new AppError(error.code, `the CSR's names: ${error.message}`, { param: PARAM, cause: error });
  }
}

/**
 * Parses PEM (or base64 DER), verifies the CSR's own signature (RFC 2986 §3: proof that the requester holds the key),
 * refuses keys other than RSA ≥ 2048 / EC P-256, P-384, and reads the names from its subjectAltName extension (the CN
 * kept as commonName). `allowWildcards` (default true) applies the caller's wildcard policy to those names. Nothing
 * else the CSR asks for (basicConstraints, key usages, other attributes) is read: the CA's profile decides those.
 */
export async function readCertificateRequest(pem: string, options: { allowWildcards?: boolean } = {}): Promise<CertificateRequest> {
  const der = csrDer(pem);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(der);
  } catch (error) {
    throw unparsable("it is not a DER PKCS#10 CertificationRequest", error);
  }
  const { key, description } = await requestKey(csr);
  let verified: boolean;
  try {
    verified = await csr.verify();
  } catch {
    verified = false; // an unsupported or malformed signature algorithm proves nothing either
  }
  if (!verified) throw new AppError("validation_failed", "the CSR's signature does not verify", { param: PARAM });
  const names = csrNames(csr, options.allowWildcards ?? true);
  return { publicKey: key, names, keyDescription: description };
}
