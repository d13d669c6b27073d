/** PEM certificate bundles: any number of CERTIFICATE blocks, in any order, refused precisely when they are not. */
import { AppError } from "../core/errors";
import { cachedCaCertificate, rememberCaCertificate } from "./ca-certificate-cache";
import { type CertificateInfo, parseCertificateDer } from "./certificate";
import { derHex } from "./der";
import { describePemLabel, readPemBlocks } from "./pem";
import type { x509 } from "./x509-setup";

/** A leaf, a few intermediates and a root; ten is generous and keeps chain building cheap. */
const maxBundleCertificates = 10;
/** The `ca` field may carry a trust store of several roots and intermediates. */
export const maxCaCertificates = 50;

const certificateLabels = new Set(["CERTIFICATE", "X509 CERTIFICATE"]);

export interface ReadCertificatesOptions {
  /** "certificate" or "CA certificate", used in messages. */
  noun?: string;
  max?: number;
  /** Input field name carried in the error detail. */
  field?: string;
}

/** Parses every certificate of a PEM bundle into CertificateInfo, dropping exact duplicates; CA certificates this isolate has parsed before come from its cache. */
export function readCertificates(pem: unknown, options: ReadCertificatesOptions = {}): CertificateInfo[] {
  const noun = options.noun ?? "certificate";
  const max = options.max ?? maxBundleCertificates;
  const fail = (message: string): never => {
    throw new AppError("invalid_certificate", message, {
      detail: options.field ? { field: options.field } : undefined,
    });
  };
  const blocks = readPemBlocks(pem, { code: "invalid_certificate", expected: `a PEM ${noun}`, field: options.field });
  const certificates = blocks.filter((block) => certificateLabels.has(block.label));
  const other = blocks.find((block) => !certificateLabels.has(block.label));
  if (certificates.length === 0) fail(`Expected a PEM ${noun} but found ${describePemLabel(other!.label)}`);
  if (other) fail(`Expected only PEM ${noun}s but also found ${describePemLabel(other.label)}`);
  if (certificates.length > max) {
    fail(`Expected at most ${max} ${noun}s in the bundle but found ${certificates.length}`);
  }

  const seen = new Set<string>();
  const parsed: CertificateInfo[] = [];
  certificates.forEach((block, index) => {
    const where =
      certificates.length === 1
        ? `The ${noun}`
        : `${noun[0]!.toUpperCase()}${noun.slice(1)} ${index + 1} of ${certificates.length} in the bundle`;
    // The certificate's `derKey`: a duplicate is dropped before it is parsed, and the hex is made once.
    const key = derHex(block.der);
    if (seen.has(key)) return;
    seen.add(key);
    parsed.push(cachedCaCertificate(key) ?? rememberCaCertificate(parseCertificateDer(block.der, where, key)));
  });
  return parsed;
}

/** Parses a PEM bundle of one or more certificates (input order, duplicates dropped); throws AppError("invalid_certificate"). */
export function parseCertificateBundle(pem: string): x509.X509Certificate[] {
  return readCertificates(pem).map((info) => info.cert);
}
