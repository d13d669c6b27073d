/** A team's existing CA brought in: its certificate, its private key and its chain, checked as uploads are. */
import { AppError } from "../../core/errors";
import { readCertificates } from "../certificate-bundle";
import { buildChain } from "../chain";
import { asAppError } from "../guard";
import { parsePrivateKey } from "../private-key";
import { samePublicKey } from "../public-key";
import { x509 } from "../x509-setup";
import { caSigningAlgorithm } from "./issuing";

/** A chain above an imported CA: a few intermediates and a root. */
const maxChainCertificates = 10;

function refuse(message: string, field = "certificate"): never {
  throw new AppError("invalid_certificate", message, { param: field, detail: { field } });
}

/**
 * The team's own CA: certificate PEM, its PKCS#8/PKCS#1/SEC1 key PEM, chain PEM. 400 unless the key matches, the
 * certificate has basicConstraints CA:true (RFC 5280 §4.2.1.9) and keyUsage keyCertSign and cRLSign (§4.2.1.3), and is valid at
 * `now`. The chain, when given, must hold the certificate's issuer (its signature verifying) and only CA certificates;
 * it comes back in path order, issuer first.
 */
export async function checkImportedCa(input: {
  certificate: string;
  privateKey: string;
  chain?: string;
  now?: Date;
}): Promise<{ certificate: x509.X509Certificate; privateKey: CryptoKey; privateKeyPem: string; chain: x509.X509Certificate[] }> {
  try {
    if (input === null || typeof input !== "object") throw new AppError("bad_request", "Expected an imported CA");
    const now = input.now ?? new Date();
    const bundle = readCertificates(input.certificate, { noun: "CA certificate", field: "certificate" });
    if (bundle.length !== 1) {
      refuse(`Expected one CA certificate but found ${bundle.length}; put the certificates above it in "chain"`);
    }
    const info = bundle[0]!;
    const key = await parsePrivateKey(input.privateKey);
    if (!samePublicKey(key.publicKey, info.publicKey)) {
      throw new AppError("key_mismatch", "The CA certificate and the private key do not match", { param: "privateKey" });
    }
    if (info.isCa !== true) refuse("The certificate is not a CA certificate: basicConstraints CA:true is missing (RFC 5280 §4.2.1.9)");
    if (info.keyUsage === null || (info.keyUsage & x509.KeyUsageFlags.keyCertSign) === 0) {
      refuse("The CA certificate's keyUsage does not include keyCertSign (RFC 5280 §4.2.1.3), so it cannot sign certificates");
    }
    // We sign its CRL too (the CRL distribution point of every certificate it issues here): without cRLSign, relying
    // parties would refuse that CRL (RFC 5280 §6.3.3 (f)), and a revocation would never take effect.
    if ((info.keyUsage & x509.KeyUsageFlags.cRLSign) === 0) {
      refuse("The CA certificate's keyUsage does not include cRLSign (RFC 5280 §4.2.1.3), so the CRL signed for it would not verify");
    }
    if (now < info.notBefore) refuse(`The CA certificate is not valid yet (notBefore ${info.notBefore.toISOString()})`);
    if (now > info.notAfter) refuse(`The CA certificate has expired (notAfter ${info.notAfter.toISOString()})`);

    const privateKey = await crypto.subtle.importKey("pkcs8", key.pkcs8, key.importParams, true, ["sign"]);
    caSigningAlgorithm(privateKey); // refuses a key this CA cannot sign with (e.g. P-521) before anything is stored

    const chain = await chainAbove(info, input.chain);
    return { certificate: info.cert, privateKey, privateKeyPem: key.pkcs8Pem, chain };
  } catch (error) {
    throw asAppError(error, "invalid_certificate", "The imported CA could not be processed");
  }
}

async function chainAbove(
  info: ReturnType<typeof readCertificates>[number],
  chainPem: string | undefined,
): Promise<x509.X509Certificate[]> {
  if (chainPem === undefined || chainPem.trim() === "") return [];
  const given = readCertificates(chainPem, { noun: "chain certificate", field: "chain", max: maxChainCertificates });
  const notCa = given.find((certificate) => certificate.isCa !== true);
  if (notCa) refuse(`The chain holds a certificate that is not a CA ("${notCa.subject}")`, "chain");
  const built = await buildChain([info], given);
  if (built.end.kind === "broken") {
    const { child, issuer } = built.end;
    refuse(`The signature of "${child.subject}" does not verify with the key of its named issuer "${issuer.subject}"`, "chain");
  }
  if (built.path.length === 1 && !info.selfIssued) {
    refuse(`The chain does not hold the CA certificate's issuer ("${info.issuer}")`, "chain");
  }
  return built.path.slice(1).map((link) => link.info.cert);
}
