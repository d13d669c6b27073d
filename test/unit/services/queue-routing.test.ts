/**
 * The Worker's queue handler routes each batch by its queue's exact name (services/queue-routing.ts): the names
 * wrangler.toml gives, each to its consumer, and any other name refused with every message retried, none lost.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { formatTally, QUEUE_CONSUMERS, RENEWAL_DEAD_LETTER_QUEUE, RENEWAL_QUEUE } from "../../../src/services/queue-routing";
import type { RenewalMessage } from "../../../src/services/renewal-queue";
import { WEBHOOK_QUEUE, type WebhookMessage } from "../../../src/services/webhooks/message";
import { newTenant, type Tenant } from "../../support/api";
import { readRow } from "../issuance/acme-rows";
import { claimOf, claimedDue as claimedDueOf, deliver } from "../issuance/queued-renewals";
// The Worker's own configuration, as text (vite's ?raw import).
import wranglerToml from "../../../wrangler.toml?raw";

let tenant: Tenant;
beforeAll(async () => {
  tenant = await newTenant();
});

const claimedDue = () => claimedDueOf(tenant);

const messageFor = (row: { id: string; teamId: string }): RenewalMessage => ({ certificateId: row.id, teamId: row.teamId, asOf: Date.now() });

describe("the queue handler's routing", () => {
  it("has one consumer for each queue wrangler.toml names: the renewal queue, its dead-letter queue and the webhook queue", () => {
    expect([...QUEUE_CONSUMERS.keys()].sort()).toEqual(["certdesk-renewals", "certdesk-renewals-dlq", "certdesk-webhooks"]);
    expect([RENEWAL_QUEUE, RENEWAL_DEAD_LETTER_QUEUE, WEBHOOK_QUEUE]).toEqual(["certdesk-renewals", "certdesk-renewals-dlq", "certdesk-webhooks"]);
    // The table and wrangler.toml's consumers are the same names: a queue renamed in one place only fails here.
    const consumers = [...wranglerToml.matchAll(/\[\[queues\.consumers\]\]\s*\nqueue = "([^"]+)"/g)].map((m) => m[1]);
    expect(consumers.sort()).toEqual([...QUEUE_CONSUMERS.keys()].sort());
  });

  it("routes the dead-letter queue by its exact name: the failure is recorded, the claim cleared, the message acknowledged", async () => {
    const row = await claimedDue();
    const result = await deliver(RENEWAL_DEAD_LETTER_QUEUE, [messageFor(row)]);
    expect(result.explicitAcks).toEqual(["msg-0"]);
    expect(result.retryMessages).toEqual([]);
    expect((await readRow(row.id))!.renewalFailures).toBe(1);
    expect(await claimOf(row.id)).toBeNull();
    expect(result.errored).toContain("renewal dead-letter queue: 1 messages, 1 failures recorded");
  });

  it.each([
    ["another queue's dead-letter queue", "certdesk-webhooks-dlq"],
    ["a dead-letter queue of another name", "staging-renewals-dlq"],
    ["a name near the renewal queue's", "certdesk-renewal"],
    ["a name of Object.prototype", "constructor"],
  ])("refuses %s (%s): logs an error and retries every message, consuming none", async (_label, queue) => {
    const [first, second] = [await claimedDue(), await claimedDue()];
    const result = await deliver(queue, [messageFor(first), messageFor(second)]);
    expect(result.explicitAcks).toEqual([]);
    expect(result.ackAll).toBe(false);
    expect(result.retryBatch.retry).toBe(true);
    expect(result.errored).toEqual([
      `queue "${queue}": no consumer here (only certdesk-renewals, certdesk-renewals-dlq, certdesk-webhooks); 2 messages retried`,
    ]);
    // Neither renewed nor recorded as dead-lettered: both still wait, claimed, for their queue's consumer.
    for (const row of [first, second]) {
      expect((await readRow(row.id))!.renewalFailures).toBe(0);
      expect(await claimOf(row.id)).not.toBeNull();
    }
  });

  it("routes the webhook queue to the webhook consumer, which tallies a message whose outbox row is gone", async () => {
    const result = await deliver<WebhookMessage>(WEBHOOK_QUEUE, [{ id: "whmsg_missing", attempt: 1 }]);
    expect(result.explicitAcks).toEqual(["msg-0"]);
    expect(result.retryBatch.retry).toBe(false);
    expect(result.logged).toContain("webhook queue: 1 gone");
  });
});

describe("formatTally", () => {
  it("lists the outcomes that happened, in the tally's order", () => {
    expect(formatTally({ issued: 2, validated: 0, pending: 0, skipped: 1, failed: 3, retried: 0 })).toBe("2 issued, 1 skipped, 3 failed");
  });

  it("says nothing happened rather than nothing at all", () => {
    expect(formatTally({ delivered: 0, retrying: 0 })).toBe("nothing");
  });
});
