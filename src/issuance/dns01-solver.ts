/**
 * DNS-01 (RFC 8555 §8.4): a TXT record through the team's DNS provider, checked over DNS-over-HTTPS.
 *
 * Every record is presented first and checked after: a wildcard and its apex share `_acme-challenge.<domain>`, and a
 * resolver asked while that name held only the first value caches that answer for the record's TTL (RFC 2181 §5.2;
 * 600 s at GoDaddy), hiding the second one past the check's budget. So `present` only writes, and `settle` waits,
 * once, for the provider to apply its changes and for every (name, value) pair to be visible.
 */
import { RETRY_POLICY } from "../acme";
import { challengeRecordName, waitForTxtRecords, type DnsProvider } from "../dns";
import type { ChallengeSolver, ChallengeTask } from "./solver";

export interface Dns01Options {
  /** DoH resolver to confirm the records are visible before answering the challenges; null skips the check. */
  resolverUrl: string | null;
  /** The fetch for the DoH queries (tests put a caching resolver in front). */
  fetch?: typeof fetch;
  /** The most of an answer's body read (outbound/bounded-body.ts; its default when absent). */
  responseLimitBytes?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Where the TXT for a name is written and looked for: `_acme-challenge.<name>` unless the name is delegated, then
   * the CNAME's target in the operator's zone (dns/delegation.ts), which the CA reaches by following the CNAME.
   */
  recordName?: (domain: string) => string;
}

export function dns01Solver(provider: DnsProvider, options: Dns01Options): ChallengeSolver {
  const recordName = options.recordName ?? challengeRecordName;
  return {
    type: "dns-01",
    async present(task) {
      await provider.present(recordName(task.domain), task.dnsTxtValue);
    },
    async settle(tasks) {
      // Answering before the records are visible costs failed authorizations, which the CA rate-limits.
      const now = options.now ?? Date.now;
      const budgetMs = RETRY_POLICY.dnsPropagationTimeoutMs;
      const deadline = now() + budgetMs;
      await provider.settle?.(deadline);
      if (!options.resolverUrl) return;
      await waitForTxtRecords(expectedRecords(tasks, recordName), {
        resolverUrl: options.resolverUrl,
        fetch: options.fetch,
        responseLimitBytes: options.responseLimitBytes,
        timeoutMs: budgetMs,
        deadline,
        intervalMs: RETRY_POLICY.dnsPropagationIntervalMs,
        now,
        sleep: options.sleep,
      });
    },
    async cleanUp(task) {
      await provider.cleanUp(recordName(task.domain), task.dnsTxtValue);
    },
  };
}

/** The TXT values each challenge record name must show, one entry per name. */
function expectedRecords(tasks: readonly ChallengeTask[], recordName: (domain: string) => string): Map<string, string[]> {
  const expected = new Map<string, string[]>();
  for (const task of tasks) {
    const name = recordName(task.domain);
    const values = expected.get(name) ?? [];
    if (!values.includes(task.dnsTxtValue)) values.push(task.dnsTxtValue);
    expected.set(name, values);
  }
  return expected;
}
