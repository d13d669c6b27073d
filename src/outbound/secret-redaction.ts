/**
 * Taking secrets out of what a provider says back before it is shown (a target's `lastError`, the certificate's
 * status, the `certificate.deployment_failed` event): the caller's credentials, and the private key being delivered,
 * in whichever form a provider may echo it (the PEM, JSON-escaped; its base64 body, whole or line by line; the base64
 * of the PEM text, as ACM's ImportCertificate takes it), including a fragment its own truncation left.
 */
import { bytesToBase64, utf8 } from "../crypto/encoding";

export const REDACTED = "[redacted]";

/** A run of base64 this long that occurs in the key is taken as part of it: no English word or id is, by chance. */
const MIN_KEY_FRAGMENT = 16;
const BASE64_RUN = /[A-Za-z0-9+/]{16,}={0,2}/g;
/** Any PEM private key block (PKCS#8, SEC 1 "EC", PKCS#1 "RSA", encrypted), to its end or the end of the text. */
const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?(-----END ([A-Z0-9]+ )*PRIVATE KEY-----|$)/g;
/** The JSON string escapes a provider's body may carry the PEM in (RFC 8259 §7). */
const JSON_ESCAPES: Record<string, string> = { "\\n": "\n", "\\r": "\r", "\\t": "\t", "\\/": "/" };

/** `text` with every occurrence of each of `secrets` replaced. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length > 0) result = result.split(secret).join(REDACTED);
  return result;
}

/** The key's base64 strings a fragment is looked for in: its PEM body, and the base64 of its PEM text. */
function keyEncodings(privateKeyPem: string): string[] {
  const body = privateKeyPem
    .replace(/-----(BEGIN|END) [^-]+-----/g, "")
    .replace(/\s+/g, "");
  return [body, bytesToBase64(utf8.encode(privateKeyPem)), bytesToBase64(utf8.encode(privateKeyPem.trim()))].filter((s) => s.length > 0);
}

/**
 * `text` without `privateKeyPem` in any of its forms: PEM blocks go whole, and every base64 run of 16 characters or
 * more that occurs in one of the key's encodings goes (a line of the body, the whole body, a truncated piece of it).
 */
export function redactPrivateKey(text: string, privateKeyPem: string | undefined): string {
  let result = text.replace(PEM_PRIVATE_KEY, REDACTED);
  if (privateKeyPem === undefined || privateKeyPem === "") return result;
  result = result.replace(/\\[nrt/]/g, (escape) => JSON_ESCAPES[escape] ?? escape);
  const encodings = keyEncodings(privateKeyPem);
  return result.replace(BASE64_RUN, (run) => {
    const core = run.replace(/=+$/, "");
    return core.length >= MIN_KEY_FRAGMENT && encodings.some((encoding) => encoding.includes(core)) ? REDACTED : run;
  });
}

/** Both: the credentials, the delivered key, and any PEM private key at all. */
export function redactDeliverySecrets(text: string, secrets: readonly string[], privateKeyPem?: string): string {
  return redactPrivateKey(redactSecrets(text, secrets), privateKeyPem);
}
