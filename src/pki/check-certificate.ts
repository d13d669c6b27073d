/** The one entry point for uploaded certificates: parse, match the key, build the chain, apply policy, report. */
import { AppError } from "../core/errors";
import { maxCaCertificates, readCertificates } from "./certificate-bundle";
import { buildChain } from "./chain";
import { asAppError } from "./guard";
import { coversName, presentedNames } from "./name-coverage";
import { evaluatePolicy, type Purpose } from "./policy";
import { parsePrivateKey } from "./private-key";
import { samePublicKey } from "./public-key";
import { describeLeaf, type ReportFailure, type ValidationReport } from "./validation-report";

export interface CertificateCheckInput {
  /** Leaf + intermediates (+ optional root), any order; CRLF and stray whitespace tolerated. */
  certificatePem: string;
  /** PKCS#8, PKCS#1 or SEC1 PEM (an "EC PARAMETERS" block before it is tolerated). Null/undefined: no key. */
  privateKeyPem?: string | null;
  /** Extra CA certificates (Vercel's `ca`): complete and verify the chain. Null/undefined: none. */
  caPem?: string | null;
  /** When given (non-empty), the leaf must cover this name. */
  domain?: string | null;
  /** Default "serverAuth". */
  purpose?: Purpose;
  /** Default `new Date()`. */
  now?: Date;
}

export interface CheckedCertificate {
  report: ValidationReport;
  /** The leaf, re-encoded as clean PEM. */
  leafPem: string;
  /**
   * The other certificates of `certificatePem` on the path, leaf → root order, clean PEM blocks
   * joined by "\n" with a final newline ("" if none). Certificates from `caPem` are not included.
   */
  chainPem: string;
  /** The key normalized to PKCS#8 PEM (null when no key was given). */
  privateKeyPkcs8Pem: string | null;
  notBefore: Date;
  notAfter: Date;
}

function checkOptions(input: CertificateCheckInput): { purpose: Purpose; now: Date } {
  if (input === null || typeof input !== "object") throw new AppError("bad_request", "Expected certificate input");
  const purpose = input.purpose ?? "serverAuth";
  if (purpose !== "serverAuth" && purpose !== "clientAuth") {
    throw new AppError("bad_request", `Unknown certificate purpose "${String(purpose)}"`);
  }
  const now = input.now ?? new Date();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new AppError("bad_request", "Invalid check time");
  if (input.domain != null && typeof input.domain !== "string") throw new AppError("bad_request", "Domain must be a string");
  return { purpose, now };
}

/**
 * The last check: the leaf's presented names (the report's `names`) cover `domain`. Null when they do or when no
 * domain is asked for. Exported for a caller that learns the domain only after the check (validate reads the project
 * and the names the certificate carries in one statement): applied with `withFailure`, the verdict is the same as
 * passing `domain` to checkCertificate, since it is the last of the checks.
 */
export function domainFailure(names: readonly string[], domain: string | null | undefined): ReportFailure | null {
  const wanted = domain?.trim();
  if (!wanted || coversName(names, wanted)) return null;
  return { message: `Certificate is not valid for domain ${wanted}`, code: "domain_mismatch" };
}

/**
 * Parses and checks a certificate upload. MALFORMED input throws AppError (4xx) with a specific
 * message; a well-formed but unacceptable certificate returns report.valid=false with error and
 * errorCode. Order: parse errors throw first, then key match, then validity dates and policy, then domain.
 */
export async function checkCertificate(input: CertificateCheckInput): Promise<CheckedCertificate> {
  try {
    const { purpose, now } = checkOptions(input);
    const bundle = readCertificates(input.certificatePem, { field: "certificate" });
    const key = input.privateKeyPem == null ? null : await parsePrivateKey(input.privateKeyPem);
    const ca =
      input.caPem == null ? [] : readCertificates(input.caPem, { noun: "CA certificate", max: maxCaCertificates, field: "ca" });
    const chain = await buildChain(bundle, ca);
    const leaf = chain.path[0]!.info;

    const errors: ReportFailure[] = [];
    if (key && !samePublicKey(key.publicKey, leaf.publicKey)) {
      errors.push({ message: "Certificate and private key do not match", code: "key_mismatch" });
    }
    const policy = evaluatePolicy({ chain, purpose, now, caGiven: ca.length > 0 });
    errors.push(...policy.errors);
    const domain = domainFailure(presentedNames(leaf), input.domain);
    if (domain) errors.push(domain);

    const report = await describeLeaf(leaf);
    report.warnings = policy.warnings;
    const first = errors[0];
    if (first) {
      report.valid = false;
      report.error = first.message;
      report.errorCode = first.code;
    }
    return {
      report,
      leafPem: leaf.pem,
      chainPem: chain.path
        .slice(1)
        .filter((link) => bundle.includes(link.info))
        .map((link) => link.info.pem)
        .join(""),
      privateKeyPkcs8Pem: key?.pkcs8Pem ?? null,
      notBefore: leaf.notBefore,
      notAfter: leaf.notAfter,
    };
  } catch (error) {
    throw asAppError(error, "invalid_certificate", "The certificate could not be processed");
  }
}
