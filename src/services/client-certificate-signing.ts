/**
 * Signing a `client` leaf with a stored CA of the team, for the egress client certificates (client-certificate-issue.ts).
 * The pki rules (profile, name constraints, extensions) are pki/private-ca's, the CA's key and URLs services/private-ca's;
 * this file puts them together for a certificate whose only name is the project's.
 */
import { AppError } from "../core/errors";
import { type NameConstraints, type SigningCa, createLeafCertificate, namesOutsideConstraints, randomSerialHex } from "../pki/private-ca";
import { x509 } from "../pki/x509-setup";
import type { CertificateAuthorityRow } from "../store/certificate-authorities";
import { SHORT_LIVED_MAX_MS } from "./private-ca/issue";
import { caCertificateUrlOf, crlUrlOf } from "./private-ca/public-urls";
import { fingerprintHex } from "./private-ca/signing-ca";

/** The chain a leaf of `ca` carries (the issuing CA up to, not including, the root) and the root a server trusts. */
export function certificateChainOf(ca: Pick<CertificateAuthorityRow, "certificatePem" | "chainPem">): { chainPem: string; trustAnchorPem: string } {
  const above = x509.PemConverter.decode(ca.chainPem).map((der) => new x509.X509Certificate(der).toString("pem"));
  const path = [new x509.X509Certificate(ca.certificatePem).toString("pem"), ...above];
  return { chainPem: path.slice(0, -1).map((pem) => `${pem}\n`).join(""), trustAnchorPem: `${path[path.length - 1]}\n` };
}

export interface SignedLeaf {
  pem: string;
  serialHex: string;
  fingerprint: string;
  shortLived: boolean;
}

/**
 * A `client` profile leaf, subject CN=`commonName`, no SAN. Refused (400) where the CA's EKU forbids clientAuth, or
 * where the CN, read as a DNS name, falls outside the constraints of the CA or any CA above it: what the CA refuses
 * through its own issuance route (services/private-ca/issue.ts).
 */
export async function signClientLeaf(
  ca: CertificateAuthorityRow,
  issuer: SigningCa,
  leaf: { publicKey: CryptoKey; commonName: string; notBefore: number; notAfter: number },
): Promise<SignedLeaf> {
  const names = { commonName: leaf.commonName, dnsNames: [], ipAddresses: [], uris: [], emails: [] };
  const path = ca.constraintsPath as unknown as NameConstraints[];
  const outside = namesOutsideConstraints(names, path);
  if (outside.length > 0) {
    throw new AppError("validation_failed", `The project name ${outside.join(", ")} is outside the name constraints of CA ${ca.id}`, { param: "caId" });
  }
  const shortLived = leaf.notAfter - leaf.notBefore <= SHORT_LIVED_MAX_MS;
  const serialHex = randomSerialHex();
  const certificate = await createLeafCertificate({
    issuer,
    publicKey: leaf.publicKey,
    profile: "client",
    names,
    serialHex,
    notBefore: new Date(leaf.notBefore),
    notAfter: new Date(leaf.notAfter),
    crlUrl: shortLived ? undefined : crlUrlOf(ca),
    caIssuersUrl: caCertificateUrlOf(ca),
    // The issuing CA's own constraints are read from its certificate there; the path's first entry is that one.
    constraintsAbove: ca.nameConstraints === null ? path : path.slice(1),
  });
  return { pem: `${certificate.toString("pem")}\n`, serialHex, fingerprint: await fingerprintHex(certificate), shortLived };
}
