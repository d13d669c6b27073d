/**
 * Expiry notices that mean action: a certificate that renews itself passes its renewal time without a
 * `certificate.expiring`, whichever of the cron's renewal sweep, the renewal queue and the expiry scan runs first; the
 * same certificate whose CA cannot be reached is announced once, naming the failure; one whose renewal never ran is
 * announced once it is overdue. The sweep, the queue's consumer and the scan are the Worker's own; the healthy CA is an
 * issuer that stores and announces a new certificate as the issuer object does once a CA has answered (unit tests
 * reach no CA), the failing one is the real issuer object against the unreachable CA.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { IssueOutcome } from "../../../src/issuance/issue-request";
import { storeIssued } from "../../../src/issuance/store-issued";
import { expiryNoticeLevel } from "../../../src/renewal/expiry-notices";
import { renewalDueAt, renewalOverdueAt } from "../../../src/renewal/policy";
import type { Deps } from "../../../src/services/deps";
import { consumeRenewals, type QueuedRenewal, type RenewalMessage } from "../../../src/services/renewal-queue";
import { sweepDueCertificates } from "../../../src/services/renewal-sweep";
import { announceExpiries } from "../../../src/services/webhooks/expiry-scan";
import { announceIssuance } from "../../../src/services/webhooks/issuance-events";
import { newProject } from "../../support/api";
import { dayMs } from "../../support/pki-fixtures";
import { recordedEvents, teamWithEndpoint } from "../../support/webhook-outbox";
import { fakeNetwork, webhookDeps, webhookIsolate, type WebhookIsolate } from "../../support/webhook-receiver-fakes";
import { issuedMaterial, readRow, storedAcmeCertificate } from "../issuance/acme-rows";

const network = fakeNetwork();
let isolate: WebhookIsolate;

beforeAll(() => {
  isolate = webhookIsolate(network);
});

type Stage = "sweep" | "queue" | "scan";
/** The cron's own order (the sweep only enqueues; the queue runs after the tick), the queue done first, the scan first. */
const ORDERS: Stage[][] = [
  ["sweep", "scan", "queue"],
  ["sweep", "queue", "scan"],
  ["scan", "sweep", "queue"],
];

/**
 * A team with an endpoint taking every event, and a project's ACME certificate (90 days) that renews itself, due at
 * its fixed point (a third left); `asOf` is the tick a minute later, when the lifetime's first notice (30 days) is due too.
 */
async function renewingCertificate() {
  const { tenant, endpointId } = await teamWithEndpoint(isolate);
  const project = await newProject(tenant);
  const stored = await storedAcmeCertificate({ teamId: tenant.teamId, projectId: project.id }, [project.domain!]);
  const dueAt = renewalDueAt({ issuedAt: stored.issuedAt, expiresAt: stored.expiresAt });
  await env.DB.prepare("UPDATE certificates SET next_renewal_at = ? WHERE id = ?").bind(dueAt, stored.id).run();
  const row = (await readRow(stored.id))!;
  const asOf = dueAt + 60_000;
  // Without the renewal's standing the scan would announce it at this tick.
  expect(expiryNoticeLevel(row.issuedAt, row.expiresAt, asOf)).toBe(1);
  return { endpointId, row, asOf };
}

/**
 * The deps of one tick: the renewal queue records what the sweep sends; with a healthy CA the certificate's issuer
 * stores a certificate valid from the tick (next due as an issuance sets it) and announces `certificate.renewed`.
 */
function tickDeps(ca: "healthy" | "unreachable", asOf: number): { deps: Deps; sent: RenewalMessage[] } {
  const { deps } = webhookDeps(network);
  const sent: RenewalMessage[] = [];
  deps.renewalQueue = {
    async sendBatch(messages) {
      for (const message of messages) sent.push(message.body);
    },
  };
  if (ca === "healthy") {
    const real = deps.issuer;
    deps.issuer = (name) => ({
      ...real(name),
      async issue(request): Promise<IssueOutcome> {
        const previous = (await readRow(request.certificateId!))!;
        const owner = { teamId: previous.teamId, projectId: previous.projectId };
        const material = await issuedMaterial(owner, request.names, { renewedFrom: previous.issuedAt }, new Date(asOf));
        const nextRenewalAt = renewalDueAt({ issuedAt: material.issuedAt, expiresAt: material.expiresAt });
        const stored = await storeIssued(deps.db, deps.config.ENCRYPTION_KEY, request, previous, { ...material, nextRenewalAt }, deps.clock.now());
        expect(stored.state).toBe("stored");
        const outcome: IssueOutcome = { state: "issued", certificateId: previous.id, renewedFrom: previous.issuedAt };
        await announceIssuance(deps, request, outcome);
        return outcome;
      },
    });
  }
  return { deps, sent };
}

/** Runs the stages of one tick at `asOf` in `order`; the queue consumes what the sweep sent for `certificateId`. */
async function runTick(deps: Deps, sent: RenewalMessage[], certificateId: string, asOf: number, order: Stage[]) {
  const scans: { seen: number; announced: number }[] = [];
  for (const stage of order) {
    if (stage === "sweep") expect((await sweepDueCertificates(deps, asOf)).ids).toContain(certificateId);
    if (stage === "scan") scans.push(await announceExpiries(deps, asOf));
    if (stage === "queue") {
      const acked: string[] = [];
      const messages: QueuedRenewal[] = sent
        .filter((body) => body.certificateId === certificateId)
        .map((body) => ({ body, attempts: 1, ack: () => acked.push(body.certificateId), retry: () => {} }));
      expect(messages).toHaveLength(1);
      await consumeRenewals(deps, messages);
      expect(acked).toEqual([certificateId]);
    }
  }
  return scans;
}

const eventsOf = async (endpointId: string, certificateId: string) =>
  (await recordedEvents(endpointId)).filter((event) => event.data.certificateId === certificateId);

describe("a certificate that renews itself", () => {
  it.each(ORDERS)("passes its renewal time unannounced: %s, %s, %s", async (...order) => {
    const { endpointId, row, asOf } = await renewingCertificate();
    const { deps, sent } = tickDeps("healthy", asOf);
    await runTick(deps, sent, row.id, asOf, order);
    const renewed = (await readRow(row.id))!;
    expect(renewed.expiresAt).toBeGreaterThan(row.expiresAt);
    // The next tick, and one past the old certificate's overdue instant: still nothing to announce.
    await announceExpiries(deps, asOf + 15 * 60_000);
    await announceExpiries(deps, renewalOverdueAt({ issuedAt: row.issuedAt, expiresAt: row.expiresAt }) + 60_000);
    expect((await eventsOf(endpointId, row.id)).map((event) => event.type)).toEqual(["certificate.renewed"]);
  });

  it.each(ORDERS)("with its CA unreachable, is announced once, naming why: %s, %s, %s", async (...order) => {
    const { endpointId, row, asOf } = await renewingCertificate();
    const { deps, sent } = tickDeps("unreachable", asOf);
    await runTick(deps, sent, row.id, asOf, order);
    // The next two ticks: the notice is announced by the first scan after the failure, and only then.
    await announceExpiries(deps, asOf + 15 * 60_000);
    await announceExpiries(deps, asOf + 30 * 60_000);
    const recorded = await eventsOf(endpointId, row.id);
    expect(recorded.map((event) => event.type)).toEqual(["certificate.renewal_failed", "certificate.expiring"]);
    const failed = (await readRow(row.id))!;
    expect(failed.renewalFailures).toBe(1);
    expect(recorded[1]!.data).toMatchObject({
      reason: "renewal_failed",
      error: failed.lastRenewError,
      renewalFailures: 1,
      thresholdDays: 30,
      expiresAt: recorded[0]!.data.expiresAt,
    });
    expect(recorded[1]!.data.error).toMatch(/Could not reach the ACME CA/);
  });

  it("whose renewal never runs (its queue message lost) is announced once the renewal is overdue", async () => {
    const { endpointId, row, asOf } = await renewingCertificate();
    const { deps } = tickDeps("unreachable", asOf);
    const overdueAt = renewalOverdueAt({ issuedAt: row.issuedAt, expiresAt: row.expiresAt });
    expect(overdueAt - row.nextRenewalAt!).toBe(dayMs);
    await announceExpiries(deps, asOf);
    // Looked at again once the renewal would be overdue, not at every tick until then.
    const notice = await env.DB.prepare("SELECT level, next_notice_at AS next FROM certificate_expiry_notices WHERE certificate_id = ?").bind(row.id).first();
    expect(notice).toEqual({ level: 0, next: overdueAt });
    await announceExpiries(deps, overdueAt - 60_000);
    expect(await eventsOf(endpointId, row.id)).toEqual([]);
    await announceExpiries(deps, overdueAt);
    await announceExpiries(deps, overdueAt + 60_000);
    const recorded = await eventsOf(endpointId, row.id);
    expect(recorded.map((event) => [event.type, event.data.reason, event.data.thresholdDays])).toEqual([["certificate.expiring", "renewal_overdue", 30]]);
    expect(recorded[0]!.data).toMatchObject({ error: null, renewalFailures: 0, daysLeft: 29 });
  });
});
