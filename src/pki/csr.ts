/** PKCS#10 certificate signing requests (RFC 2986) for ACME finalize (RFC 8555 §7.4). */
import { AppError } from "../core/errors";
import { base64ToBytes } from "../crypto/encoding";
import type { Bytes } from "./der";
import { asAppError } from "./guard";
import { normalizeDnsName } from "./name-coverage";
import { x509 } from "./x509-setup";

/** RFC 5280 ub-common-name: longer names can only go in the SAN (Let's Encrypt then omits the CN too). */
const maxCommonNameLength = 64;
/** Let's Encrypt's limit on names per certificate. */
const maxCsrNames = 100;

/** Hostnames and wildcards in A-label form: what a CA accepts in a dNSName (RFC 5280 §4.2.1.6, RFC 8555 §7.1.4). */
const dnsName = /^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;

function signingAlgorithm(key: CryptoKey): Algorithm | EcdsaParams {
  switch (key.algorithm.name) {
    case "RSASSA-PKCS1-v1_5": {
      // WebCrypto signs RSASSA-PKCS1-v1_5 with the hash bound to the key, so it must be the one the CSR names.
      const hash = (key.algorithm as { hash?: { name?: string } }).hash?.name;
      if (hash !== "SHA-256") throw new AppError("bad_request", "RSA keys for CSRs must be imported for SHA-256");
      return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as Algorithm;
    }
    case "ECDSA":
      return { name: "ECDSA", hash: "SHA-256" } as EcdsaParams;
    default:
      throw new AppError("bad_request", `Cannot sign a CSR with a ${key.algorithm.name} key`);
  }
}

/**
 * DER PKCS#10 request: CN = first name (when it fits), SAN dNSName = all names, signed with
 * SHA-256 (RSASSA-PKCS1-v1_5 or ECDSA). RFC 8555 §7.4: the CA reads the identifiers from the SAN.
 */
export async function createCsr(keys: CryptoKeyPair, names: string[]): Promise<Bytes> {
  if (!Array.isArray(names) || names.length === 0 || names.some((name) => typeof name !== "string" || name.trim() === "")) {
    throw new AppError("bad_request", "A CSR needs at least one non-empty domain name");
  }
  const unique = [...new Set(names.map(normalizeDnsName))];
  if (unique.length > maxCsrNames) throw new AppError("bad_request", `A CSR may hold at most ${maxCsrNames} names`);
  const invalid = unique.find((name) => name.length > 253 || !dnsName.test(name));
  if (invalid !== undefined) throw new AppError("bad_request", `Invalid domain name for a CSR: ${invalid.slice(0, 64)}`);
  const first = unique[0]!;
  const algorithm = signingAlgorithm(keys.privateKey);
  try {
    const request = await x509.Pkcs10CertificateRequestGenerator.create({
      name: first.length <= maxCommonNameLength ? [{ CN: [first] }] : [],
      keys,
      signingAlgorithm: algorithm,
      extensions: [new x509.SubjectAlternativeNameExtension(unique.map((value) => ({ type: "dns" as const, value })))],
    });
    return new Uint8Array(request.rawData);
  } catch (error) {
    throw asAppError(error, "bad_request", "The CSR could not be signed with this key");
  }
}

/** Whether the certificate (PEM) is for the key of the CSR (base64 DER): the same SubjectPublicKeyInfo, byte for byte. */
export function certifiesRequestKey(certificatePem: string, csrBase64: string): boolean {
  try {
    const certified = new Uint8Array(new x509.X509Certificate(certificatePem).publicKey.rawData);
    const requested = new Uint8Array(new x509.Pkcs10CertificateRequest(base64ToBytes(csrBase64)).publicKey.rawData);
    return certified.length === requested.length && certified.every((byte, i) => byte === requested[i]);
  } catch {
    return false;
  }
}
