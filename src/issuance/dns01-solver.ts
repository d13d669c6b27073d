/** DNS-01 (RFC 8555 §8.4): a TXT record through the team's DNS provider, checked over DNS-over-HTTPS. */
import { RETRY_POLICY } from "../acme";
import { challengeRecordName, waitForTxtRecord, type DnsProvider } from "../dns";
import type { ChallengeSolver } from "./solver";

export interface Dns01Options {
  /** DoH resolver to confirm the record is visible before answering the challenge; null skips the check. */
  resolverUrl: string | null;
}

export function dns01Solver(provider: DnsProvider, options: Dns01Options): ChallengeSolver {
  return {
    type: "dns-01",
    async present(task) {
      const fqdn = challengeRecordName(task.domain);
      await provider.present(fqdn, task.dnsTxtValue);
      // Answering before the record is visible costs a failed authorization, which the CA rate-limits.
      if (options.resolverUrl) {
        await waitForTxtRecord(fqdn, task.dnsTxtValue, {
          resolverUrl: options.resolverUrl,
          timeoutMs: RETRY_POLICY.dnsPropagationTimeoutMs,
          intervalMs: RETRY_POLICY.dnsPropagationIntervalMs,
        });
      }
    },
    async cleanUp(task) {
      await provider.cleanUp(challengeRecordName(task.domain), task.dnsTxtValue);
    },
  };
}
