/** The outstanding nonces of one nonce shard: single use, and a bounded window where the oldest make way. */
import { bytesToBase64Url } from "../crypto/encoding";

/** 128 random bits (RFC 8555 §6.5: nonces MUST be unpredictable), 22 base64url characters. */
const NONCE_BYTES = 16;

/**
 * Every nonce issued and not yet redeemed, oldest first (a Set keeps insertion order). Past `capacity` the oldest is
 * forgotten: a client that kept it gets badNonce and retries with a fresh one (RFC 8555 §6.5), as with Boulder's
 * bounded nonce window. Nonces are random, so one from before a restart (an empty window) is simply unknown: no nonce
 * is ever accepted twice.
 */
export class NonceWindow {
  private readonly outstanding = new Set<string>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("nonce window capacity must be a positive integer");
  }

  /** A fresh nonce, recorded as outstanding. */
  issue(): string {
    const nonce = bytesToBase64Url(crypto.getRandomValues(new Uint8Array(NONCE_BYTES)));
    this.outstanding.add(nonce);
    if (this.outstanding.size > this.capacity) {
      const oldest = this.outstanding.values().next().value;
      if (oldest !== undefined) this.outstanding.delete(oldest);
    }
    return nonce;
  }

  /** True exactly once for an outstanding nonce; false for one unknown, forgotten or already redeemed. */
  redeem(nonce: string): boolean {
    return this.outstanding.delete(nonce);
  }

  get size(): number {
    return this.outstanding.size;
  }
}
