/**
 * An order's checkpoints in the Durable Object's own storage (strongly consistent, survives eviction), the certificate
 * key sealed like every other key at rest. Only the job that saved a checkpoint (same request fingerprint) resumes it.
 */
import { seal, unseal, type SealingKeys } from "../crypto/sealing";
import type { CheckpointStore, OrderCheckpoint, OrderStep } from "../issuance/order-checkpoint";

const KEY = "checkpoint";

interface StoredCheckpoint {
  fingerprint: string;
  checkpoint: Omit<OrderCheckpoint, "privateKeyPem">;
  sealedKey: string | null;
}

export function storedCheckpoints(
  storage: DurableObjectStorage,
  keys: SealingKeys,
  objectId: string,
  fingerprint: string,
  afterSave: (step: OrderStep) => Promise<void> = async () => {},
): CheckpointStore {
  const aad = `${objectId}:checkpoint`;
  return {
    async load() {
      const saved = await storage.get<StoredCheckpoint>(KEY);
      if (!saved || saved.fingerprint !== fingerprint) return null;
      return saved.sealedKey ? { ...saved.checkpoint, privateKeyPem: await unseal(keys, saved.sealedKey, aad) } : { ...saved.checkpoint };
    },
    async save(checkpoint) {
      const { privateKeyPem, ...rest } = checkpoint;
      const value: StoredCheckpoint = { fingerprint, checkpoint: rest, sealedKey: privateKeyPem ? await seal(keys, privateKeyPem, aad) : null };
      await storage.put(KEY, value);
      await afterSave(checkpoint.step);
    },
    async clear() {
      await storage.delete(KEY);
    },
  };
}
