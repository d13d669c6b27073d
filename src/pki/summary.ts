/** A cheap description of a stored certificate bundle for listings (no key, no policy, no chain verification). */
import { readCertificates } from "./certificate-bundle";
import { findLeaf } from "./chain";
import { asAppError } from "./guard";
import { describeLeaf } from "./validation-report";

export interface CertificateSummary {
  /** Primary name (first SAN dNSName, else CN). */
  domain: string | null;
  names: string[];
  notBefore: Date;
  notAfter: Date;
  /** Issuer O, else CN, else full DN. */
  issuer: string;
  serial: string;
  fingerprint: string;
  keyType: string;
}

/** Summarizes the leaf of a PEM bundle; throws AppError("invalid_certificate") on malformed input. */
export async function summarizeCertificate(pem: string): Promise<CertificateSummary> {
  try {
    const leaf = findLeaf(readCertificates(pem));
    const report = await describeLeaf(leaf);
    return {
      domain: report.domain,
      names: report.names,
      notBefore: leaf.notBefore,
      notAfter: leaf.notAfter,
      issuer: report.issuer ?? leaf.issuer,
      serial: leaf.serial,
      fingerprint: report.fingerprint ?? "",
      keyType: leaf.keyType,
    };
  } catch (error) {
    throw asAppError(error, "invalid_certificate", "The certificate could not be processed");
  }
}
