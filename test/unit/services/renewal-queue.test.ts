/**
 * The renewal queue's consumer, through the Worker's own queue handler: a due certificate goes to its issuer and the
 * message is acknowledged with the outcome recorded on the certificate (unit tests reach no CA, so the renewal fails as
 * unreachable and backs off); a hand-off that throws is left to the queue's retries; the dead-letter queue records the
 * failure on the certificate; messages for certificates deleted, or no longer due, are acknowledged without a renewal.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { depsFrom } from "../../../src/deps";
import type { Deps } from "../../../src/services/deps";
import { consumeRenewals, type QueuedRenewal, type RenewalMessage } from "../../../src/services/renewal-queue";
import { newTenant, type Tenant } from "../../support/api";
import { readRow } from "../issuance/acme-rows";
import { claimOf, claimedDue as claimedDueOf, deliver } from "../issuance/queued-renewals";

let tenant: Tenant;
beforeAll(async () => {
  tenant = await newTenant();
});

const claimedDue = (dueAt?: number) => claimedDueOf(tenant, { dueAt });

const messageFor = (row: { id: string; teamId: string }, asOf = Date.now()): RenewalMessage => ({ certificateId: row.id, teamId: row.teamId, asOf });

describe("the renewal queue's consumer", () => {
  it("renews each due certificate through its issuer, records the outcome, clears the claim and acknowledges", async () => {
    const [first, second] = [await claimedDue(), await claimedDue()];
    const result = await deliver("certdesk-renewals", [messageFor(first), messageFor(second)]);
    expect(result.explicitAcks.sort()).toEqual(["msg-0", "msg-1"]);
    expect(result.retryMessages).toEqual([]);
    for (const row of [first, second]) {
      const after = (await readRow(row.id))!;
      // The CA is unreachable from unit tests: the renewal ran and failed, and the failure schedule took over.
      expect(after.renewalFailures).toBe(1);
      expect(after.lastRenewError).toMatch(/Could not reach the ACME CA/);
      expect(after.nextRenewalAt).toBeGreaterThan(Date.now() + 30 * 60_000);
      expect(after.fingerprint).toBe(row.fingerprint);
      expect(await claimOf(row.id)).toBeNull();
    }
  });

  it("acknowledges, without a renewal, a certificate deleted or no longer due since the tick", async () => {
    const gone = await claimedDue();
    await env.DB.prepare("DELETE FROM certificates WHERE id = ?").bind(gone.id).run();
    const later = await claimedDue(Date.now() + 86_400_000);
    const result = await deliver("certdesk-renewals", [messageFor(gone), messageFor(later)]);
    expect(result.explicitAcks.sort()).toEqual(["msg-0", "msg-1"]);
    const after = (await readRow(later.id))!;
    expect(after).toMatchObject({ renewalFailures: 0, lastRenewAttempt: null, updatedAt: later.updatedAt });
    expect(await claimOf(later.id)).toBeNull();
  });

  it("takes a certificate nothing can renew (uploaded) off the schedule, so no later tick claims it again", async () => {
    const row = await claimedDue();
    await env.DB.prepare("UPDATE certificates SET type = 'custom', issuance = NULL WHERE id = ?").bind(row.id).run();
    const result = await deliver("certdesk-renewals", [messageFor(row)]);
    expect(result.explicitAcks).toEqual(["msg-0"]);
    const after = (await readRow(row.id))!;
    expect(after).toMatchObject({ nextRenewalAt: null, renewalQueuedUntil: null, renewalFailures: 0, fingerprint: row.fingerprint });
  });

  it("judges due-ness as of the tick's instant when that is later than now (a rehearsed sweep)", async () => {
    const dueTomorrow = await claimedDue(Date.now() + 86_400_000);
    const result = await deliver("certdesk-renewals", [messageFor(dueTomorrow, Date.now() + 2 * 86_400_000)]);
    expect(result.explicitAcks).toEqual(["msg-0"]);
    expect((await readRow(dueTomorrow.id))!.renewalFailures).toBe(1);
  });

  it("leaves a hand-off that throws to the queue's retries, acknowledging the rest of the batch", async () => {
    const [broken, fine] = [await claimedDue(), await claimedDue()];
    const base = depsFrom(env);
    const deps: Deps = {
      ...base,
      issuer: (name) => {
        const issuer = base.issuer(name);
        if (!name.includes(broken.names[0]!)) return issuer;
        return { ...issuer, issue: async () => { throw new Error("Durable Object is overloaded"); } };
      },
    };
    const outcomes: string[] = [];
    const message = (row: typeof broken): QueuedRenewal => ({
      body: messageFor(row),
      attempts: 2,
      ack: () => outcomes.push(`ack ${row.id}`),
      retry: () => outcomes.push(`retry ${row.id}`),
    });
    const logged: unknown[] = [];
    const errors = vi.spyOn(console, "error").mockImplementation((...args) => logged.push(...args));
    const tally = await consumeRenewals(deps, [message(broken), message(fine)]).finally(() => errors.mockRestore());
    expect(outcomes.sort()).toEqual([`ack ${fine.id}`, `retry ${broken.id}`].sort());
    expect(tally).toMatchObject({ retried: 1, failed: 1 });
    expect(logged.join(" ")).toContain(`${broken.id} not handed off (attempt 2)`);
    // The broken one still holds its claim: the queue has it.
    expect(await claimOf(broken.id)).not.toBeNull();
    expect((await readRow(broken.id))!.renewalFailures).toBe(0);
  });

  it("records a dead-lettered renewal as a failure on its certificate, clears the claim and acknowledges", async () => {
    const row = await claimedDue();
    const result = await deliver("certdesk-renewals-dlq", [messageFor(row)]);
    expect(result.explicitAcks).toEqual(["msg-0"]);
    const after = (await readRow(row.id))!;
    expect(after.renewalFailures).toBe(1);
    expect(after.lastRenewError).toBe("The renewal could not be handed to its issuer after repeated tries; it is tried again on the failure schedule");
    expect(after.nextRenewalAt).toBeGreaterThan(Date.now());
    expect(await claimOf(row.id)).toBeNull();
  });
});
