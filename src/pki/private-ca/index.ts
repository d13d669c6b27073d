/** Public API of the private CA's PKI: pure functions over WebCrypto and @peculiar/x509 (no storage, no env). */
export { MAX_NAMES, normalizeSubjectNames, type SubjectNames } from "./names";
export { namesOutsideConstraints, nameConstraintsExtension, parseNameConstraints, readNameConstraints, type NameConstraints } from "./name-constraints";
export { readCertificateRequest, type CertificateRequest } from "./certificate-request";
export { createCrl, REVOCATION_REASONS, type RevocationReason, type RevokedEntry } from "./crl";
