/** Certificate download (RFC 8555 §7.4.2) and revocation (§7.6). */
import { bytesToBase64Url } from "../crypto/encoding";
import { postAsGet, requireKid, type AcmeContext } from "./context";
import { ACME_ERROR_NAMESPACE, AcmeMalformedResponseError, AcmeProblem } from "./problem";

/** RFC 8555 §9.1: the PEM chain media type. */
const PEM_CHAIN_TYPE = "application/pem-certificate-chain";

export interface CertificateChain {
  /**
   * End-entity certificate first, then the issuers (RFC 8555 §9.1): the CA's default chain. The alternate
   * chains a CA may link (§7.4.2, `Link: rel="alternate"`) are not read: the default one is what is served.
   */
  pem: string;
}

/** RFC 5280 §5.3.1 CRLReason codes ACME accepts (7 is unused). */
export const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;

export interface RevokeOptions {
  /** RFC 5280 §5.3.1 reason code (RFC 8555 §7.6 `reason`). */
  reason?: number;
  /** RFC 8555 §7.6: sign with the certificate's own key pair (`jwk` header) instead of the account key. */
  certificateKey?: CryptoKeyPair;
}

/** RFC 8555 §7.4.2: POST-as-GET the certificate URL, Accept: application/pem-certificate-chain. */
export async function downloadCertificate(ctx: AcmeContext, url: string): Promise<CertificateChain> {
  const response = await postAsGet(ctx, url, PEM_CHAIN_TYPE);
  const pem = response.text.replace(/\r\n/g, "\n");
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new AcmeMalformedResponseError("certificate download is not a PEM chain", { status: response.status, url });
  }
  return { pem };
}

/** RFC 8555 §7.6: POST revokeCert { certificate: base64url(DER), reason? }; the CA answers 200 with no body. */
export async function revokeCertificate(ctx: AcmeContext, certDer: Uint8Array | ArrayBuffer, options: RevokeOptions = {}): Promise<void> {
  const der = certDer instanceof Uint8Array ? certDer : new Uint8Array(certDer);
  if (options.reason !== undefined && !Object.values(REVOCATION_REASONS).includes(options.reason as never)) {
    throw new AcmeProblem({ type: `${ACME_ERROR_NAMESPACE}badRevocationReason`, detail: `revocation reason ${options.reason} is not an RFC 5280 CRLReason` });
  }
  const directory = await ctx.directory();
  const payload: Record<string, unknown> = { certificate: bytesToBase64Url(der) };
  if (options.reason !== undefined) payload.reason = options.reason;
  if (options.certificateKey) {
    await ctx.transport.post({ kind: "revokeCert", url: directory.revokeCert, payload, keys: options.certificateKey });
  } else {
    await ctx.transport.post({ kind: "revokeCert", url: directory.revokeCert, payload, keys: ctx.keys, kid: requireKid(ctx) });
  }
}
