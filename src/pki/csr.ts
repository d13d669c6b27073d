/** PKCS#10 certificate signing requests (RFC 2986) for ACME finalize (RFC 8555 §7.4). */
import { AppError } from "../http/errors";
import type { Bytes } from "./der";
import { normalizeDnsName } from "./name-coverage";
import { x509 } from "./x509-setup";

/** RFC 5280 ub-common-name: longer names can only go in the SAN (Let's Encrypt then omits the CN too). */
const maxCommonNameLength = 64;
/** Let's Encrypt's limit on names per certificate. */
export const maxCsrNames = 100;

function signingAlgorithm(key: CryptoKey): Algorithm | EcdsaParams {
  switch (key.algorithm.name) {
    case "RSASSA-PKCS1-v1_5":
      return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as Algorithm;
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
  const first = unique[0]!;
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: first.length <= maxCommonNameLength ? [{ CN: [first] }] : [],
    keys,
    signingAlgorithm: signingAlgorithm(keys.privateKey),
    extensions: [new x509.SubjectAlternativeNameExtension(unique.map((value) => ({ type: "dns" as const, value })))],
  });
  return new Uint8Array(request.rawData);
}
