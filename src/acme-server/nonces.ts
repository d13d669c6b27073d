/** Replay nonces (RFC 8555 §6.5) over the AcmeNonceStore Durable Object, sharded by the nonce's first character. */

/** The shards, one character each: a nonce starts with its shard's, so redeeming it goes to the object that issued it. */
const SHARDS = "0123456789abcdef";

/** What AcmeNonceStore offers over RPC (objects/acme-nonces.ts): `issue` gives a nonce without its shard character. */
export interface AcmeNonceStoreRpc {
  issue(): Promise<string>;
  redeem(nonce: string): Promise<boolean>;
  /** `redeem`, and a fresh nonce of the same shard in the same call. */
  redeemAndIssue(nonce: string): Promise<{ redeemed: boolean; next: string }>;
}

/** The binding the helpers need: the Worker's `env` fits, and nothing else of it is read. */
export interface NonceBindings {
  ACME_NONCES: DurableObjectNamespace;
}

/** A shard character, then the store's 22 base64url characters (128 bits). */
const NONCE_SHAPE = /^[0-9a-f][A-Za-z0-9_-]{22}$/;

/** The object holding shard `shard`'s nonces. */
export function nonceShardName(shard: string): string {
  return `acme-nonces:${shard}`;
}

function shardStub(env: NonceBindings, shard: string): AcmeNonceStoreRpc {
  const namespace = env.ACME_NONCES;
  // AcmeNonceStore implements AcmeNonceStoreRpc; the untyped namespace's stub does not say so.
  return namespace.get(namespace.idFromName(nonceShardName(shard))) as unknown as AcmeNonceStoreRpc;
}

/** A fresh nonce for a `Replay-Nonce` header, from a random shard so the load spreads over all of them. */
export async function issueNonce(env: NonceBindings): Promise<string> {
  const shard = SHARDS[crypto.getRandomValues(new Uint8Array(1))[0]! % SHARDS.length]!;
  return shard + (await shardStub(env, shard).issue());
}

/** Spends `nonce`: true once for a nonce issueNonce gave out (and its shard still holds), false otherwise. */
export async function redeemNonce(env: NonceBindings, nonce: string): Promise<boolean> {
  if (!NONCE_SHAPE.test(nonce)) return false; // Not one of ours: no call to any shard.
  return shardStub(env, nonce[0]!).redeem(nonce.slice(1));
}

/** One request's nonces: the one it spends and the one its response carries in Replay-Nonce (RFC 8555 §6.5). */
export interface RequestNonces {
  /** As redeemNonce; the shard's answer also brings the response's fresh nonce. Pass it to verifyJwsRequest. */
  redeem(nonce: string): Promise<boolean>;
  /** The nonce for this response's Replay-Nonce: the one `redeem` brought, or a newly issued one. */
  next(): Promise<string>;
}

/**
 * Nonces for one request with one round trip to a shard where two would do: redeeming the request's nonce takes the
 * response's nonce from the same object (RFC 8555 §6.5 wants one on every response, errors included).
 */
export function requestNonces(env: NonceBindings): RequestNonces {
  let fresh: string | undefined;
  return {
    async redeem(nonce) {
      if (!NONCE_SHAPE.test(nonce)) return false;
      const shard = nonce[0]!;
      const { redeemed, next } = await shardStub(env, shard).redeemAndIssue(nonce.slice(1));
      fresh = shard + next;
      return redeemed;
    },
    async next() {
      const nonce = fresh;
      fresh = undefined; // Each response its own nonce.
      return nonce ?? issueNonce(env);
    },
  };
}
