/**
 * Standard Webhooks symmetric signatures (https://www.standardwebhooks.com/, spec/standard-webhooks.md in
 * github.com/standard-webhooks/standard-webhooks, "Signature scheme" and "Webhook headers"): HMAC-SHA256 with the
 * secret's bytes over `{webhook-id}.{webhook-timestamp}.{body}`, sent as `v1,<base64>` in `webhook-signature`.
 * WebCrypto does the HMAC and the constant-time comparison (crypto.subtle.verify).
 */
import { base64ToBytes, bytesToBase64, utf8 } from "./encoding";

/** The prefix that marks a symmetric Standard Webhooks secret. */
export const WEBHOOK_SECRET_PREFIX = "whsec_";
/** The spec's bounds on the secret: at least 24 bytes (192 bits), at most 512 bits. */
export const WEBHOOK_SECRET_MIN_BYTES = 24;
export const WEBHOOK_SECRET_MAX_BYTES = 64;
/** How far a `webhook-timestamp` may be from the receiver's clock (the reference libraries' default, 5 minutes). */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Why `secret` is not a `whsec_` secret of 24 to 64 bytes, or undefined when it is. Never quotes the secret. */
export function webhookSecretProblem(secret: string): string | undefined {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) return `Must start with ${WEBHOOK_SECRET_PREFIX}`;
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!BASE64.test(encoded)) return `Must be ${WEBHOOK_SECRET_PREFIX} followed by standard base64`;
  const length = (encoded.length / 4) * 3 - (encoded.endsWith("==") ? 2 : encoded.endsWith("=") ? 1 : 0);
  if (length < WEBHOOK_SECRET_MIN_BYTES || length > WEBHOOK_SECRET_MAX_BYTES) {
    return `Must encode ${WEBHOOK_SECRET_MIN_BYTES} to ${WEBHOOK_SECRET_MAX_BYTES} bytes`;
  }
  return undefined;
}

/** A fresh secret of 32 random bytes, in the `whsec_` form. */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${bytesToBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

async function hmacKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  const problem = webhookSecretProblem(secret);
  if (problem) throw new Error(`Not a Standard Webhooks secret: ${problem}`);
  const raw = base64ToBytes(secret.slice(WEBHOOK_SECRET_PREFIX.length));
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}

/**
 * What is signed. The spec warns that the id and timestamp must not be able to carry a `.`, or one message could be
 * read as another; the timestamp is an integer here, and an id with a `.` is refused.
 */
function signedContent(id: string, timestamp: number, body: string): Uint8Array<ArrayBuffer> {
  if (id.length === 0 || /[.\s]/.test(id)) throw new Error("A webhook id must be non-empty, without '.' or whitespace");
  if (!Number.isSafeInteger(timestamp)) throw new Error("A webhook timestamp must be an integer number of seconds");
  return utf8.encode(`${id}.${timestamp}.${body}`);
}

/** The `webhook-signature` value for one message: `v1,<base64 HMAC-SHA256>`. `timestamp` is in seconds. */
export async function signWebhook(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret, "sign"), signedContent(id, timestamp, body));
  return `v1,${bytesToBase64(new Uint8Array(mac))}`;
}

export interface WebhookHeaders {
  id: string | null;
  timestamp: string | null;
  signature: string | null;
}

/**
 * Why a received message does not verify with `secret`, or undefined when one of its `v1` signatures does. The
 * header may list several space-separated signatures (secret rotation); other versions are skipped.
 */
export async function webhookVerificationProblem(
  secret: string,
  headers: WebhookHeaders,
  body: string,
  options: { now?: number; toleranceSeconds?: number } = {},
): Promise<string | undefined> {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return "Missing webhook-id, webhook-timestamp or webhook-signature";
  if (!/^\d{1,15}$/.test(timestamp)) return "webhook-timestamp is not an integer";
  const seconds = Number(timestamp);
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - seconds) > (options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) return "webhook-timestamp is outside the tolerance";
  let content: Uint8Array<ArrayBuffer>;
  try {
    content = signedContent(id, seconds, body);
  } catch {
    return "webhook-id is not valid";
  }
  const key = await hmacKey(secret, "verify");
  for (const entry of signature.split(" ")) {
    const [version, value] = entry.split(",", 2);
    if (version !== "v1" || !value || !BASE64.test(value)) continue;
    if (await crypto.subtle.verify("HMAC", key, base64ToBytes(value), content)) return undefined;
  }
  return "No matching v1 signature";
}
