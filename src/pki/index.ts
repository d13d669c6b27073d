/** Public API of the PKI core: pure functions over WebCrypto, @peculiar/x509 and the @peculiar/asn1-* schemas. */
import type { x509 } from "./x509-setup";

export type { x509 };
/** The parsed certificate class of @peculiar/x509 that parseCertificateBundle returns. */
export type X509Certificate = x509.X509Certificate;
export { checkCertificate, domainFailure, type CertificateCheckInput, type CheckedCertificate } from "./check-certificate";
export { parseCertificateBundle } from "./certificate-bundle";
export { parsePrivateKey } from "./private-key";
export { coversName, normalizeDnsName } from "./name-coverage";
export { type ReportFailure, type ValidationReport, fingerprintSha256, withFailure } from "./validation-report";
export { type Purpose } from "./policy";
export { isExpiringSoon } from "./expiry";
export { type CertificateKeySpec, generateCertificateKey, exportPrivateKeyPem } from "./key-generation";
export { certifiesRequestKey, createCsr } from "./csr";
export { pemToDer, derToPem } from "./pem";
