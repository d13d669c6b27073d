/** Object identifiers the PKI core reads, named once (RFC 5280, RFC 3279, RFC 4055, RFC 5480, RFC 8410). */

export const oid = {
  rsaEncryption: "1.2.840.113549.1.1.1",
  rsassaPss: "1.2.840.113549.1.1.10",
  ecPublicKey: "1.2.840.10045.2.1",
  dsa: "1.2.840.10040.4.1",
  ed25519: "1.3.101.112",
  ed448: "1.3.101.113",
  x25519: "1.3.101.110",
  x448: "1.3.101.111",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  anyExtendedKeyUsage: "2.5.29.37.0",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  commonName: "2.5.4.3",
  organizationName: "2.5.4.10",
} as const;

/** Named curves by OID (RFC 5480 §2.1.1.1) with their WebCrypto names; secp256k1 and friends are absent on purpose. */
export const namedCurves: Record<string, "P-256" | "P-384" | "P-521"> = {
  "1.2.840.10045.3.1.7": "P-256",
  "1.3.132.0.34": "P-384",
  "1.3.132.0.35": "P-521",
};

/** Hash of each signature algorithm (RFC 3279 §2.2, RFC 4055 §5, RFC 5758 §3.2); PSS reads its hash from parameters. */
export const signatureHashes: Record<string, string> = {
  "1.2.840.113549.1.1.2": "MD2",
  "1.2.840.113549.1.1.3": "MD4",
  "1.2.840.113549.1.1.4": "MD5",
  "1.2.840.113549.1.1.5": "SHA-1",
  "1.2.840.113549.1.1.14": "SHA-224",
  "1.2.840.113549.1.1.11": "SHA-256",
  "1.2.840.113549.1.1.12": "SHA-384",
  "1.2.840.113549.1.1.13": "SHA-512",
  "1.2.840.10045.4.1": "SHA-1",
  "1.2.840.10045.4.3.1": "SHA-224",
  "1.2.840.10045.4.3.2": "SHA-256",
  "1.2.840.10045.4.3.3": "SHA-384",
  "1.2.840.10045.4.3.4": "SHA-512",
  "1.2.840.10040.4.3": "SHA-1",
  "1.3.14.3.2.29": "SHA-1",
  "1.3.101.112": "Ed25519",
  "1.3.101.113": "Ed448",
};

/** Hash algorithm OIDs (RFC 3279, RFC 4055) as they appear inside RSASSA-PSS parameters. */
export const hashOids: Record<string, string> = {
  "1.3.14.3.2.26": "SHA-1",
  "2.16.840.1.101.3.4.2.4": "SHA-224",
  "2.16.840.1.101.3.4.2.1": "SHA-256",
  "2.16.840.1.101.3.4.2.2": "SHA-384",
  "2.16.840.1.101.3.4.2.3": "SHA-512",
};

/** Hashes no longer acceptable for certificate signatures (CA/Browser Forum BR §7.1.3; RFC 6151 for MD5). */
export const weakHashes = new Set(["MD2", "MD4", "MD5", "SHA-1"]);

/** Key algorithms we can name in a message but do not accept. */
export const keyAlgorithmNames: Record<string, string> = {
  [oid.dsa]: "DSA",
  [oid.ed25519]: "Ed25519",
  [oid.ed448]: "Ed448",
  [oid.x25519]: "X25519",
  [oid.x448]: "X448",
  [oid.rsassaPss]: "RSA-PSS",
};
