/** The private CA's PKI core: pure functions over WebCrypto and @peculiar/x509 (no storage, no env, no fetch). */
export { randomSerialHex, SERIAL_OCTETS } from "./serial";
export { type LeafProfile, LEAF_PROFILES, assertProfileAllowedBy, profileExtendedKeyUsages } from "./profiles";
export { type SigningCa, caSigningAlgorithm } from "./issuing";
export { type CaKeySpec, type CaSubject, generateCaKey, createCaCertificate, caSubjectName } from "./ca-certificate";
export { createLeafCertificate } from "./leaf-certificate";
export { checkImportedCa } from "./imported-ca";
