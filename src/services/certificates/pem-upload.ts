/** An upload in the Vercel API's fields (`cert`, `key`, `ca`, `skipValidation`), read into what the validation gate takes. */
import type { CertificateCheckInput, Purpose } from "../../pki";
import type { ValidationPolicy } from "./validation-gate";

export interface PemUpload {
  /** The certificate (PEM), optionally followed by its intermediates. */
  cert: string;
  /** Its private key (PEM). */
  key: string;
  /** CA certificates (PEM): complete and verify the chain; blank for none. */
  ca: string;
  /** Waives the policy checks, never the key match (see waivedChecks). */
  skipValidation?: boolean;
}

export interface ReadUpload {
  check: CertificateCheckInput;
  policy: ValidationPolicy;
  /** `ca`, or null when it was blank. */
  ca: string | null;
}

export function readPemUpload(input: PemUpload, purpose: Purpose, now: number): ReadUpload {
  const ca = input.ca.trim() === "" ? null : input.ca;
  return {
    check: { certificatePem: input.cert, privateKeyPem: input.key, caPem: ca, purpose, now: new Date(now) },
    policy: { skipValidation: input.skipValidation ?? false },
    ca,
  };
}
