/**
 * Where one order stands, saved after each step so that a job whose Durable Object was evicted resumes the same order
 * instead of placing another (a second order, second DNS records, possibly a second certificate for the same names).
 */
import type { ChallengeTask } from "./solver";

/** The last step saved: ordered → presenting → answered → finalizing → finalized. */
export type OrderStep = "ordered" | "presenting" | "answered" | "finalizing" | "finalized";

export interface OrderCheckpoint {
  /** The order this job placed (RFC 8555 §7.4); saved as soon as newOrder answered. */
  orderUrl: string;
  step: OrderStep;
  /**
   * Every answer put in place (HTTP-01 key authorizations, DNS-01 TXT values), saved *before* it is presented, so a
   * crash still knows what to remove. Cleared once they are removed.
   */
  presented: ChallengeTask[];
  /** The certificate key, made before finalize and saved before the CSR is sent: a crash after finalize keeps the key of what the CA issues. */
  privateKeyPem?: string;
  /** The CSR sent (or about to be sent) with finalize, base64; sent again as is when the order is still `ready`. */
  csrBase64?: string;
  /** The CA the order is at (set by `atCa`): a job that has moved on to a fallback CA does not resume it there. */
  directoryUrl?: string;
}

/** Where checkpoints live (the Durable Object's storage); issuance does not know. */
export interface CheckpointStore {
  load(): Promise<OrderCheckpoint | null>;
  save(checkpoint: OrderCheckpoint): Promise<void>;
  clear(): Promise<void>;
}

/** For a job that is not resumable (a dry run through a store-less caller, unit tests): nothing is kept. */
export const noCheckpoints: CheckpointStore = {
  load: async () => null,
  save: async () => {},
  clear: async () => {},
};

/** The checkpoints of orders at the CA `directoryUrl` only: one saved at another CA is not resumed here. */
export function atCa(store: CheckpointStore, directoryUrl: string): CheckpointStore {
  return {
    async load() {
      const saved = await store.load();
      return saved && (saved.directoryUrl ?? directoryUrl) === directoryUrl ? saved : null;
    },
    save: (checkpoint) => store.save({ ...checkpoint, directoryUrl }),
    clear: () => store.clear(),
  };
}
