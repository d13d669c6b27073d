/**
 * Changes a provider accepted but reports as not yet on all of its authoritative servers (Route 53 `PENDING`, Cloud DNS
 * `pending`), and the wait for them: DnsProvider.settle. The challenge must not be answered before they are applied.
 */
import { RETRY_POLICY } from "../acme/retry-policy";
import { AppError } from "../core/errors";
import type { ProviderClient } from "../outbound/provider-http";
import type { Pacing } from "./throttle";

export interface PendingChanges<Change> {
  /** Remembers a change the provider reported as not yet applied. */
  add(change: Change): void;
  /** Polls every remembered change until the provider reports it applied, or throws at `deadline` (epoch ms). */
  settle(deadline: number): Promise<void>;
}

/**
 * `status(change)` reads the change's status from the provider; `applied` is the status that means done;
 * `describe(change)` names it in the timeout error.
 */
export function pendingChanges<Change>(
  client: ProviderClient,
  pacing: Pacing,
  poll: { status(change: Change): Promise<string>; applied: string; describe(change: Change): string },
): PendingChanges<Change> {
  const pending = new Set<Change>();
  return {
    add: (change) => void pending.add(change),
    async settle(deadline) {
      const last = new Map<Change, string>();
      for (;;) {
        for (const change of [...pending]) {
          const status = await poll.status(change);
          if (status === poll.applied) pending.delete(change);
          else last.set(change, status);
        }
        if (pending.size === 0) return;
        const left = deadline - pacing.now();
        if (left <= 0) break;
        await pacing.sleep(Math.min(RETRY_POLICY.dnsChangePollMs, left));
      }
      const first = [...pending][0]!;
      throw new AppError(
        client.errorCode,
        `${client.label} did not apply change ${poll.describe(first)} on all of its DNS servers in time (status ${last.get(first)}, waiting for ${poll.applied})`,
        { detail: { provider: client.label } },
      );
    },
  };
}
