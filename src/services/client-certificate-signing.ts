/**
 * Signing a `client` leaf with a stored CA of the team, for the egress client certificates (client-certificate-issue.ts).
 * The pki rules (profile, name constraints, extensions) are pki/private-ca's; this file only opens the CA row and
 * says where its public routes are.
 */
import { AppError } from "../core/errors";
import { DAY_MS } from "../core/time";
import { unseal } from "../crypto/sealing";
import { pemToDer } from "../pki";
import {
  type NameConstraints,
  type SigningCa,
  assertProfileAllowedBy,
  createLeafCertificate,
  namesOutsideConstraints,
  randomSerialHex,
} from "../pki/private-ca-stand-in";
import { x509 } from "../pki/x509-setup";
import type { CaRow } from "./team-ca";


/** At most 7 days: short-lived (issue 21 §3), so no CRL distribution point. */
const SHORT_LIVED_MS = 7 * DAY_MS;

/** The CA's key opened for signing (sealed with the row's id as associated data); not extractable once imported. */
export async function openCaForSigning(keys: string, ca: CaRow): Promise<SigningCa> {
  const certificate = new x509.X509Certificate(ca.certificatePem);
  const algorithm = certificate.publicKey.algorithm as { name: string; namedCurve?: string };
  const params =
    algorithm.name === "ECDSA" ? { name: "ECDSA", namedCurve: algorithm.namedCurve! } : { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  const pem = await unseal(keys, ca.sealedKey, ca.id);
  return { certificate, privateKey: await crypto.subtle.importKey("pkcs8", pemToDer(pem), params, false, ["sign"]) };
}

/** The chain a leaf of `ca` carries (the issuing CA up to, not including, the root) and the root a server trusts. */
export function certificateChainOf(ca: Pick<CaRow, "certificatePem" | "chainPem">): { chainPem: string; trustAnchorPem: string } {
  const above = x509.PemConverter.decode(ca.chainPem).map((der) => new x509.X509Certificate(der).toString("pem"));
  const path = [new x509.X509Certificate(ca.certificatePem).toString("pem"), ...above];
  return { chainPem: path.slice(0, -1).map((pem) => `${pem}\n`).join(""), trustAnchorPem: `${path[path.length - 1]}\n` };
}

function constraintsOf(stored: Record<string, string[]>): NameConstraints {
  return {
    permittedDnsDomains: stored.permittedDnsDomains ?? [],
    excludedDnsDomains: stored.excludedDnsDomains ?? [],
    permittedIpRanges: stored.permittedIpRanges ?? [],
    excludedIpRanges: stored.excludedIpRanges ?? [],
  };
}

export interface SignedLeaf {
  pem: string;
  serialHex: string;
  fingerprint: string;
  shortLived: boolean;
}

/**
 * A `client` profile leaf, subject CN=`commonName`, no SAN. Refused (400) where the CA's EKU forbids clientAuth, or
 * where the CN, read as a DNS name, falls outside the constraints of the CA or any CA above it: what the CA would
 * refuse through its own issuance route.
 */
export async function signClientLeaf(
  ca: CaRow,
  issuer: SigningCa,
  leaf: { publicKey: CryptoKey; commonName: string; notBefore: number; notAfter: number },
): Promise<SignedLeaf> {
  assertProfileAllowedBy(issuer.certificate, "client");
  const names = { commonName: leaf.commonName, dnsNames: [], ipAddresses: [], uris: [], emails: [] };
  const outside = namesOutsideConstraints(names, ca.constraintsPath.map(constraintsOf));
  if (outside.length > 0) {
    throw new AppError("validation_failed", `The project name ${outside.join(", ")} is outside the name constraints of CA ${ca.id}`, { param: "caId" });
  }
  const shortLived = leaf.notAfter - leaf.notBefore <= SHORT_LIVED_MS;
  const serialHex = randomSerialHex();
  const certificate = await createLeafCertificate({
    issuer,
    publicKey: leaf.publicKey,
    profile: "client",
    names,
    serialHex,
    notBefore: new Date(leaf.notBefore),
    notAfter: new Date(leaf.notAfter),
    crlUrl: shortLived ? undefined : `${ca.publicOrigin}/pki/${ca.id}/crl`,
    caIssuersUrl: `${ca.publicOrigin}/pki/${ca.id}/ca.crt`,
  });
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", certificate.rawData));
  const fingerprint = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { pem: `${certificate.toString("pem")}\n`, serialHex, fingerprint, shortLived };
}
