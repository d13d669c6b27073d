/** A PKCS#10 certificate request (RFC 2986) from a requester who keeps its key: parsed, its signature verified, its key and names read. */
import { CertificationRequest } from "@peculiar/asn1-csr";
import { AsnConvert } from "@peculiar/asn1-schema";
import { BasicConstraints, Extensions, type GeneralName, SubjectAlternativeName, type SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { AppError } from "../../core/errors";
import { base64ToBytes } from "../../crypto/encoding";
import type { Bytes } from "../der";
import { readPemBlocks } from "../pem";
import { oid } from "../oids";
import { readSubjectPublicKeyInfo } from "../public-key";
import { x509 } from "../x509-setup";
import { normalizeSubjectNames, type SubjectNames } from "./names";

export interface CertificateRequest {
  publicKey: CryptoKey;
  /** The requester's SubjectPublicKeyInfo as it sent it (DER): the certificate carries exactly this. */
  spki: ArrayBuffer;
  names: SubjectNames;
  /** "EC P-256", "RSA 2048". */
  keyDescription: string;
  /** Whether it asks for basicConstraints cA TRUE (the profile ignores it; an ACME finalize refuses it, RFC 8555 §7.4). */
  asksForCa: boolean;
}

/** A CSR is 0.5–6 KiB; bounds the parser's work on hostile input. */
const MAX_CSR_CHARS = 64 * 1024;
const PARAM = "csr";
/** RFC 5280 §4.2.1.6 id-ce-subjectAltName. */
const SAN_OID = oid.subjectAltName;
/** PKCS#9 extensionRequest (RFC 2985 §5.4.2): where a CSR carries the extensions it asks for. */
const EXTENSION_REQUEST_OID = "1.2.840.113549.1.9.14";

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

/** The SubjectPublicKeyInfo, its DER and the key it describes, refused unless RSA ≥ 2048 / EC P-256, P-384 (CA/B BR §6.1.5). */
function requestedKey(request: CertificationRequest): { spki: SubjectPublicKeyInfo; spkiDer: ArrayBuffer; kty: "RSA" | "EC"; curve?: "P-256" | "P-384"; description: string } {
  const spki = request.certificationRequestInfo.subjectPKInfo;
  let spkiDer: ArrayBuffer;
  try {
    spkiDer = AsnConvert.serialize(spki);
  } catch (error) {
    throw unparsable("its public key is malformed", error);
  }
  const components = readSubjectPublicKeyInfo(spki);
  const refuse = (what: string) =>
    new AppError("validation_failed", `the CSR's key is ${what}: use RSA with at least 2048 bits, or EC P-256 or P-384`, { param: PARAM });
  if (components.kty === "RSA") {
    if (components.bits < 2048) throw refuse(`RSA ${components.bits}`);
    if (components.bits > 8192) throw refuse(`RSA ${components.bits} (over 8192 bits)`);
    return { spki, spkiDer, kty: "RSA", description: `RSA ${components.bits}` };
  }
  if (components.kty === "EC") {
    if (components.curve !== "P-256" && components.curve !== "P-384") throw refuse(`EC ${components.curve}`);
    return { spki, spkiDer, kty: "EC", curve: components.curve, description: `EC ${components.curve}` };
  }
  throw refuse(components.name);
}

/**
 * RFC 2986 §3: the signature over certificationRequestInfo (its bytes as received) under the request's own key, with
 * the algorithm it names (the library's algorithm provider reads it: PKCS#1 v1.5 and PSS with SHA-2, ECDSA with
 * SHA-2). The key is imported once, for this algorithm, and returned for the certificate. False on any failure: an
 * unsupported or malformed signature algorithm proves nothing either.
 */
async function verifiedKey(request: CertificationRequest, key: ReturnType<typeof requestedKey>): Promise<CryptoKey | null> {
  try {
    const signatureAlgorithm = new x509.AlgorithmProvider().toWebAlgorithm(request.signatureAlgorithm) as Algorithm & { hash?: unknown };
    if (!signatureAlgorithm) return null;
    const isEc = signatureAlgorithm.name === "ECDSA";
    if (isEc !== (key.kty === "EC")) return null;
    const importAlgorithm = isEc ? { name: "ECDSA", namedCurve: key.curve } : { name: signatureAlgorithm.name, hash: signatureAlgorithm.hash };
    const publicKey = await crypto.subtle.importKey("spki", key.spkiDer, importAlgorithm as RsaHashedImportParams | EcKeyImportParams, true, ["verify"]);
    const verifyAlgorithm = { ...signatureAlgorithm, ...publicKey.algorithm };
    // X.509 carries ECDSA-Sig-Value (RFC 3279 §2.2.3); WebCrypto verifies r‖s (IEEE P1363).
    const signature = isEc ? new x509.AsnEcSignatureFormatter().toWebSignature(verifyAlgorithm, request.signature) : request.signature;
    if (!signature) return null;
    const signed = request.certificationRequestInfoRaw ?? AsnConvert.serialize(request.certificationRequestInfo);
    return (await crypto.subtle.verify(verifyAlgorithm, publicKey, signature, signed)) ? publicKey : null;
  } catch {
    return null;
  }
}

/** The extensions the CSR asks for (PKCS#9 extensionRequest, RFC 2985 §5.4.2), or none. */
function requestedExtensions(request: CertificationRequest): Extensions {
  const attribute = request.certificationRequestInfo.attributes.find((item) => item.type === EXTENSION_REQUEST_OID);
  if (!attribute) return new Extensions();
  if (attribute.values.length !== 1) throw unparsable("its extensionRequest attribute must hold exactly one value");
  try {
    return AsnConvert.parse(attribute.values[0]!, Extensions);
  } catch (error) {
    throw unparsable("its extensionRequest attribute is malformed", error);
  }
}

/** Whether the CSR's extensionRequest holds basicConstraints with cA TRUE. */
function asksForCa(request: CertificationRequest): boolean {
  const extension = requestedExtensions(request).find((item) => item.extnID === oid.basicConstraints);
  if (!extension) return false;
  try {
    return AsnConvert.parse(extension.extnValue, BasicConstraints).cA;
  } catch (error) {
    throw unparsable("its basicConstraints extension is malformed", error);
  }
}

/** GeneralName kinds by what the API calls them, for the refusal of the kinds a private-CA leaf does not carry. */
function generalNameKind(name: GeneralName): string {
  const kind = Object.keys(name).find((key) => (name as unknown as Record<string, unknown>)[key] !== undefined);
  return kind ?? "unknown";
}

/** SAN entries of the kinds a private-CA leaf carries; any other kind is refused rather than dropped unseen. */
function requestedNames(request: CertificationRequest): Partial<SubjectNames> {
  const names = { dnsNames: [] as string[], ipAddresses: [] as string[], uris: [] as string[], emails: [] as string[] };
  const sans = requestedExtensions(request).filter((extension) => extension.extnID === SAN_OID);
  if (sans.length > 1) throw unparsable("it asks for subjectAltName twice (RFC 5280 §4.2: an extension appears at most once)");
  if (sans.length === 1) {
    let generalNames: SubjectAlternativeName;
    try {
      generalNames = AsnConvert.parse(sans[0]!.extnValue, SubjectAlternativeName);
    } catch (error) {
      throw unparsable("its subjectAltName extension is malformed", error);
    }
    for (const item of generalNames) {
      if (item.dNSName !== undefined) names.dnsNames.push(item.dNSName);
      else if (item.iPAddress !== undefined) names.ipAddresses.push(item.iPAddress);
      else if (item.uniformResourceIdentifier !== undefined) names.uris.push(item.uniformResourceIdentifier);
      else if (item.rfc822Name !== undefined) names.emails.push(item.rfc822Name);
      else {
        throw new AppError(
          "validation_failed",
          `the CSR asks for a subjectAltName of type ${generalNameKind(item)}, which this CA does not issue (only DNS names, IP addresses, URIs and emails)`,
          { param: PARAM },
        );
      }
    }
  }
  const commonName = commonNameOf(request);
  return commonName === undefined ? names : { ...names, commonName };
}

/** The subject's first CN (RFC 5280 §4.1.2.6), as text whatever DirectoryString form it was sent in. */
function commonNameOf(request: CertificationRequest): string | undefined {
  for (const rdn of request.certificationRequestInfo.subject) {
    for (const attribute of rdn) {
      if (attribute.type === oid.commonName) return attribute.value.toString();
    }
  }
  return undefined;
}

/** The CSR's names validated as any request's names, the refusal naming the CSR as its field and keeping the entry's detail. */
function csrNames(request: CertificationRequest, allowWildcards: boolean): SubjectNames {
  try {
    return normalizeSubjectNames(requestedNames(request), { allowWildcards });
  } catch (error) {
    if (!(error instanceof AppError) || error.param === PARAM) throw error;
    throw new AppError(error.code, `the CSR's names: ${error.message}`, { param: PARAM, cause: error });
  }
}

/**
 * Parses PEM (or base64 DER) once, verifies the CSR's own signature (RFC 2986 §3: proof that the requester holds the
 * key), refuses keys other than RSA ≥ 2048 / EC P-256, P-384, and reads the names from its subjectAltName extension
 * (the CN kept as commonName). `allowWildcards` (default true) applies the caller's wildcard policy to those names.
 * Nothing else the CSR asks for (basicConstraints, key usages, other attributes) is read: the CA's profile decides those.
 */
export async function readCertificateRequest(pem: string, options: { allowWildcards?: boolean } = {}): Promise<CertificateRequest> {
  const der = csrDer(pem);
  let request: CertificationRequest;
  try {
    request = AsnConvert.parse(der, CertificationRequest);
  } catch (error) {
    throw unparsable("it is not a DER PKCS#10 CertificationRequest", error);
  }
  const key = requestedKey(request);
  const publicKey = await verifiedKey(request, key);
  if (!publicKey) throw new AppError("validation_failed", "the CSR's signature does not verify", { param: PARAM });
  const names = csrNames(request, options.allowWildcards ?? true);
  return { publicKey, spki: key.spkiDer, names, keyDescription: key.description, asksForCa: asksForCa(request) };
}
