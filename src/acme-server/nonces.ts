/** Replay nonces (RFC 8555 §6.5) over the AcmeNonceStore Durable Object, sharded by the nonce's first character. */
import type { Env } from "../env";

/** The shards, one character each: a nonce starts with its shard's, so redeeming it goes to the object that issued it. */
const SHARDS = "0123456789abcdef";

/** What AcmeNonceStore offers over RPC (objects/acme-nonces.ts): `issue` gives a nonce without its shard character. */
export interface AcmeNonceStoreRpc {
  issue(): Promise<string>;
  redeem(nonce: string): Promise<boolean>;
}

/** A shard character, then the store's 22 base64url characters (128 bits). */
const NONCE_SHAPE = /^[0-9a-f][A-Za-z0-9_-]{22}$/;

/** The object holding shard `shard`'s nonces. */
export function nonceShardName(shard: string): string {
  return `acme-nonces:${shard}`;
}

function shardStub(env: Pick<Env, "ACME_NONCES">, shard: string): AcmeNonceStoreRpc {
  const namespace = env.ACME_NONCES;
  // AcmeNonceStore implements AcmeNonceStoreRpc; the untyped namespace's stub does not say so.
  return namespace.get(namespace.idFromName(nonceShardName(shard))) as unknown as AcmeNonceStoreRpc;
}

/** A fresh nonce for a `Replay-Nonce` header, from a random shard so the load spreads over all of them. */
export async function issueNonce(env: Pick<Env, "ACME_NONCES">): Promise<string> {
  const shard = SHARDS[crypto.getRandomValues(new Uint8Array(1))[0]! % SHARDS.length]!;
  return shard + (await shardStub(env, shard).issue());
}

/** Spends `nonce`: true once for a nonce issueNonce gave out (and its shard still holds), false otherwise. */
export async function redeemNonce(env: Pick<Env, "ACME_NONCES">, nonce: string): Promise<boolean> {
  if (!NONCE_SHAPE.test(nonce)) return false; // Not one of ours: no call to any shard.
  return shardStub(env, nonce[0]!).redeem(nonce.slice(1));
}
