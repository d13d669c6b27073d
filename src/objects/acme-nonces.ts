/** One shard of the ACME server's replay nonces (RFC 8555 §6.5): a single-threaded object, so each nonce redeems once. */
import { DurableObject } from "cloudflare:workers";
import { NonceWindow } from "../acme-server/nonce-window";
import type { AcmeNonceStoreRpc } from "../acme-server/nonces";
import type { Env } from "../env";

/** Outstanding nonces kept per shard (about 4 MB of memory at most); 16 shards hold half a million. */
const NONCES_PER_SHARD = 32_768;

/**
 * Nonces live in memory only. An object that restarts (a deploy, or eviction after a quiet minute or two) starts with
 * an empty window, so nonces from before are refused with badNonce, which every ACME client retries (RFC 8555 §6.5);
 * none is ever accepted twice, and no request pays for a storage write.
 */
export class AcmeNonceStore extends DurableObject<Env> implements AcmeNonceStoreRpc {
  private readonly window = new NonceWindow(NONCES_PER_SHARD);

  async issue(): Promise<string> {
    return this.window.issue();
  }

  async redeem(nonce: string): Promise<boolean> {
    return this.window.redeem(nonce);
  }
}
