/** Public API of the private CA's PKI: pure functions over WebCrypto and @peculiar/x509 (no storage, no env). */
export { randomSerialHex, SERIAL_OCTETS } from "./serial";
export { type LeafProfile, LEAF_PROFILES, assertProfileAllowedBy, profileExtendedKeyUsages } from "./profiles";
export { type SigningCa, caSigningAlgorithm } from "./issuing";
export { type CaKeySpec, type CaSubject, generateCaKey, createCaCertificate, caSubjectName } from "./ca-certificate";
export { createLeafCertificate } from "./leaf-certificate";
export { LeafSigner, type LeafToSign, type SignedLeafCertificate } from "./leaf-signer";
export { checkImportedCa } from "./imported-ca";
export { checkDnsName, checkIpAddress, MAX_NAMES, normalizeSubjectNames, parseIpAddress, type SubjectNames } from "./names";
export { namesOutsideConstraints, nameConstraintsExtension, parseNameConstraints, readNameConstraints, type NameConstraints } from "./name-constraints";
export { readCertificateRequest, type CertificateRequest } from "./certificate-request";
export { createCrl, REVOCATION_REASONS, type RevocationReason, type RevokedEntry } from "./crl";
