/** Replay nonces (RFC 8555 §6.5, §7.2): kept from every response, fetched from newNonce when none is left. */

/** RFC 8555 §6.5.1: the nonce is base64url, at least 128 bits recommended. */
const NONCE = /^[A-Za-z0-9_-]+$/;
const MAX_POOLED = 16;

/** A small LIFO of unused nonces. Each nonce is used at most once. */
export class NoncePool {
  private readonly nonces: string[] = [];

  /** RFC 8555 §6.5: every response may carry a fresh Replay-Nonce; keep it for the next request. */
  remember(headers: Headers): void {
    const nonce = headers.get("replay-nonce")?.trim();
    if (!nonce || !NONCE.test(nonce)) return;
    this.nonces.push(nonce);
    if (this.nonces.length > MAX_POOLED) this.nonces.shift();
  }

  /** A pooled nonce, or undefined when the caller must ask newNonce (RFC 8555 §7.2). */
  take(): string | undefined {
    return this.nonces.pop();
  }

  get size(): number {
    return this.nonces.length;
  }

  clear(): void {
    this.nonces.length = 0;
  }
}
