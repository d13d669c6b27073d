/** End-entity certificates signed by a team's private CA, shaped by a profile (server, client, server-client). */
import { x509 } from "../x509-setup";
import type { SigningCa } from "./issuing";
import { LeafSigner, type LeafToSign } from "./leaf-signer";

/**
 * basicConstraints CA:false (critical, as RFC 5280 §4.2.1.9 permits), keyUsage critical: digitalSignature, plus
 * keyEncipherment for RSA keys (RSA key transport, RFC 5280 §4.2.1.3), EKU from the profile (§4.2.1.12), SAN from the
 * names (critical when the subject is empty, §4.2.1.6), subject CN when given, SKI (§4.2.1.2), AKI (§4.2.1.1), CRL DP
 * when crlUrl is given (the caller omits it for short-lived certificates, which are never listed), AIA caIssuers
 * (§4.2.2.1). The serial is the caller's (randomSerialHex), so it can be recorded before signing.
 * Names outside the issuing CA's own name constraints, or outside `constraintsAbove` (those of the CAs above it, which
 * the caller has), are refused before anything is signed (§4.2.1.10 binds every certificate below a constrained CA).
 * Signed by the CA's prepared LeafSigner (leaf-signer.ts); callers that need only the DER use that directly.
 */
export async function createLeafCertificate(input: { issuer: SigningCa } & LeafToSign): Promise<x509.X509Certificate> {
  const { issuer, ...leaf } = input;
  const signed = await LeafSigner.of(issuer).sign(leaf);
  return new x509.X509Certificate(signed.der);
}
