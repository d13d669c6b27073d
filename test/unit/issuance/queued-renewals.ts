/**
 * Renewal-queue test helpers shared by the queue handler's tests (routing, the renewal consumer, the metrics it
 * counts): a due certificate claimed as a tick would claim it, its claim read back, and a batch run through the
 * Worker's own queue handler.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { vi } from "vitest";
import worker from "../../../src/index";
import { newProject, type Tenant } from "../../support/api";
import { storedAcmeCertificate } from "./acme-rows";

/**
 * A certificate of the tenant for a name it holds, due a minute ago (or at `dueAt`), claimed by a tick as the sweep
 * would. Team-level unless `ofProject` (then the project's own certificate).
 */
export async function claimedDue(tenant: Tenant, { dueAt = Date.now() - 60_000, ofProject = false } = {}) {
  const project = await newProject(tenant);
  const owner = { teamId: tenant.teamId, projectId: ofProject ? project.id : null };
  const row = await storedAcmeCertificate(owner, [project.domain!], dueAt);
  await env.DB.prepare("UPDATE certificates SET renewal_queued_until = ? WHERE id = ?").bind(Date.now() + 3_600_000, row.id).run();
  return row;
}

/** The certificate's claim (renewal_queued_until), null once given back. */
export const claimOf = async (id: string) =>
  (await env.DB.prepare("SELECT renewal_queued_until AS until FROM certificates WHERE id = ?").bind(id).first<{ until: number | null }>())?.until;

/** Runs `bodies` through the Worker's queue handler as one batch of `queue`: what it acknowledged or retried, and what it logged. */
export async function deliver<Body>(queue: string, bodies: Body[]) {
  const batch = createMessageBatch<Body>(queue, bodies.map((body, i) => ({ id: `msg-${i}`, timestamp: new Date(), attempts: 1, body })));
  const ctx = createExecutionContext();
  const logged: string[] = [];
  const errored: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...args) => void logged.push(args.join(" ")));
  const errors = vi.spyOn(console, "error").mockImplementation((...args) => void errored.push(args.join(" ")));
  try {
    await worker.queue!(batch as MessageBatch<unknown>, env);
    return { ...(await getQueueResult(batch, ctx)), logged, errored };
  } finally {
    log.mockRestore();
    errors.mockRestore();
  }
}
