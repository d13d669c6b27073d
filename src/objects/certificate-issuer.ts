/**
 * The per-certificate Durable Object: the issuance lock. Every obtain, renew and revoke of one
 * certificate runs here one at a time, so the CA never sees two orders at once for it.
 */
import { DurableObject } from "cloudflare:workers";
import { RETRY_POLICY } from "../acme";
import { depsFrom } from "../deps";
import type { Deps } from "../services/deps";
import type { Env } from "../env";
import { seal, unseal } from "../crypto/sealing";
import {
  type CertificateIssuerRpc,
  type FinishedJob,
  type IssueOutcome,
  type IssuerProgress,
  type IssueRequest,
  type RevokeOutcome,
  requestFingerprint,
} from "../issuance/issue-request";
import { isStillCurrent, JOB_BUDGET_MS, runIssuance } from "../issuance/run-issuance";
import type { OrderStep } from "../issuance/order-checkpoint";
import { revokeStoredCertificate } from "../issuance/revoke";
import { hasDeployTargets } from "../store/deploy-targets";
import { storedCheckpoints } from "./checkpoint-storage";
import { deliverToProjectTargets } from "../services/deploy-targets/deliver";
import { announceIssuance } from "../services/webhooks/issuance-events";
import { settleRelayedOrder } from "../services/acme-server/relay";

/** A finished obtain is handed to identical requests arriving this soon after it, instead of a new order. */
const DEDUPE_WINDOW_MS = 60_000;

interface StoredJob {
  /** The request, its DNS credentials sealed (this object's storage is durable too). */
  request: Omit<IssueRequest, "dnsCredentials">;
  sealedDnsCredentials: string | null;
  startedAt: number;
}


/** A delivery to the project's deploy targets, waiting for the alarm. */
interface PendingDelivery {
  projectId: string;
  trigger: string;
}

interface Job {
  fingerprint: string;
  startedAt: number;
  promise: Promise<IssueOutcome>;
}

export class CertificateIssuer extends DurableObject<Env> implements CertificateIssuerRpc {
  /** Jobs queued or running, by request fingerprint: an identical request joins, a different one waits its turn. */
  private readonly jobs = new Map<string, Job>();
  /** The end of the queue: everything here (issuance, revocation) runs one at a time. */
  private tail: Promise<unknown> = Promise.resolve();

  /** This object is an edge like the routes: it builds the dependencies from its bindings. */
  private get deps(): Deps {
    return depsFrom(this.env);
  }

  /**
   * Runs (or joins) the job and waits for it at most `waitMs`: past that the caller gets "pending"
   * while the job goes on here; `progress()` and the stored certificate tell how it ended.
   */
  async issue(request: IssueRequest, waitMs: number): Promise<IssueOutcome> {
    // Claimed before any await: WebCrypto and fetch let other calls in, and they must join this job.
    const job = this.jobs.get(requestFingerprint(request)) ?? this.begin(request);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const pending = new Promise<IssueOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ state: "pending", startedAt: job.startedAt }), waitMs);
    });
    try {
      return await Promise.race([job.promise, pending]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Revocation takes the same queue as issuance: never revoke a certificate mid-renewal. */
  async revoke(teamId: string, certificateId: string, reason: number): Promise<RevokeOutcome> {
    return this.enqueue(() => revokeStoredCertificate(this.deps, teamId, certificateId, reason));
  }

  async progress(): Promise<IssuerProgress> {
    const oldest = [...this.jobs.values()][0];
    return {
      running: this.jobs.size > 0,
      startedAt: oldest?.startedAt ?? null,
      last: (await this.ctx.storage.get<FinishedJob>("last")) ?? null,
    };
  }

  /**
   * The project's certificate changed (issued here, or uploaded): deliver it to the project's deploy targets from this
   * object's alarm, after the caller has its answer. An alarm is retried by the runtime when it throws and survives
   * eviction; the cron's deploy sweep is the net under both.
   */
  async deliverSoon(projectId: string, trigger: string): Promise<void> {
    await this.ctx.storage.put("deliver", { projectId, trigger } satisfies PendingDelivery);
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > Date.now()) await this.ctx.storage.setAlarm(Date.now());
  }

  /**
   * Tests only (CERTDESK_ENV "test"): the next job saving checkpoint `after` resets this object right there, as an
   * eviction would, and its alarm resumes the job a second later.
   */
  async armCrash(after: OrderStep): Promise<boolean> {
    if (this.deps.config.CERTDESK_ENV !== "test") return false;
    await this.ctx.storage.put("crash-after", after);
    return true;
  }

  private async crashIfArmed(step: OrderStep): Promise<void> {
    if ((await this.ctx.storage.get<OrderStep>("crash-after")) !== step) return;
    await this.ctx.storage.delete("crash-after");
    await this.ctx.storage.setAlarm(Date.now() + 1000);
    // A reset drops writes not yet confirmed: flush the checkpoint and the alarm first, as a real crash after them would find them.
    await this.ctx.storage.sync();
    this.ctx.abort(`crash armed after ${step}`);
  }

  /** The watchdog (a job whose object was evicted mid-way resumes its saved order), and pending deliveries. */
  override async alarm(): Promise<void> {
    if (this.jobs.size > 0) {
      await this.ctx.storage.setAlarm(Date.now() + JOB_BUDGET_MS);
      return;
    }
    await this.deliverPending();
    const stored = await this.ctx.storage.get<StoredJob>("job");
    if (!stored) return;
    const { ENCRYPTION_KEY } = this.deps.config;
    const dnsCredentials = stored.sealedDnsCredentials
      ? (JSON.parse(await unseal(ENCRYPTION_KEY, stored.sealedDnsCredentials, `${this.ctx.id.toString()}:job`)) as Record<string, unknown>)
      : undefined;
    await this.begin({ ...stored.request, ...(dnsCredentials ? { dnsCredentials } : {}) }).promise;
  }

  /** Runs the pending delivery in this object's queue, so it never overlaps a renewal of the same certificate. */
  private async deliverPending(): Promise<void> {
    const pending = await this.ctx.storage.get<PendingDelivery>("deliver");
    if (!pending) return;
    await this.enqueue(() => deliverToProjectTargets(this.deps, pending.projectId, pending.trigger));
    // Only the request that was handled: another queued meanwhile keeps its own alarm.
    const now = await this.ctx.storage.get<PendingDelivery>("deliver");
    if (now && now.projectId === pending.projectId && now.trigger === pending.trigger) await this.ctx.storage.delete("deliver");
  }

  private begin(request: IssueRequest): Job {
    const fingerprint = requestFingerprint(request);
    const job: Job = { fingerprint, startedAt: Date.now(), promise: this.enqueue(() => this.execute(request)) };
    this.jobs.set(fingerprint, job);
    const release = () => {
      if (this.jobs.get(fingerprint) === job) this.jobs.delete(fingerprint);
    };
    job.promise.then(release, release);
    return job;
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async execute(request: IssueRequest): Promise<IssueOutcome> {
    const fingerprint = requestFingerprint(request);
    const recent = await this.ctx.storage.get<FinishedJob>("last");
    // Re-check after taking the lock: an identical obtain may have just finished.
    if (
      recent &&
      request.kind === "obtain" &&
      recent.outcome.state === "issued" &&
      recent.fingerprint === fingerprint &&
      Date.now() - recent.finishedAt < DEDUPE_WINDOW_MS &&
      (await isStillCurrent(this.deps.db, recent.outcome.certificateId, recent.finishedAt))
    ) {
      return recent.outcome;
    }
    const { dnsCredentials, ...rest } = request;
    const { ENCRYPTION_KEY } = this.deps.config;
    const stored: StoredJob = {
      request: rest,
      sealedDnsCredentials: dnsCredentials ? await seal(ENCRYPTION_KEY, JSON.stringify(dnsCredentials), `${this.ctx.id.toString()}:job`) : null,
      startedAt: Date.now(),
    };
    await this.ctx.storage.put("job", stored);
    await this.ctx.storage.setAlarm(Date.now() + JOB_BUDGET_MS + RETRY_POLICY.evictedJobRestartGraceMs);
    const asOf = request.asOf;
    const checkpoints = storedCheckpoints(this.ctx.storage, ENCRYPTION_KEY, this.ctx.id.toString(), fingerprint, (step) => this.crashIfArmed(step));
    const outcome = await runIssuance(this.deps, request, asOf === undefined ? Date.now : () => asOf + (Date.now() - stored.startedAt), checkpoints);
    // A relayed order of the ACME server: valid with this certificate, or invalid with the problem (never throws).
    await settleRelayedOrder(this.deps.db, request, outcome);
    await this.ctx.storage.put("last", { fingerprint, finishedAt: Date.now(), outcome } satisfies FinishedJob);
    await this.ctx.storage.delete(["job", "checkpoint"]);
    await announceIssuance(this.deps, request, outcome); // webhooks: issued, renewed, renewal_failed (never throws)
    // A project without deploy targets costs no alarm and no storage write here.
    if (outcome.state === "issued" && request.projectId && (await hasDeployTargets(this.deps.db, request.projectId))) {
      await this.deliverSoon(request.projectId, request.kind === "renew" ? "renewed" : "issued");
    } else if (await this.ctx.storage.get<PendingDelivery>("deliver")) {
      await this.ctx.storage.setAlarm(Date.now()); // an upload's delivery waited for this job
    } else {
      await this.ctx.storage.deleteAlarm();
    }
    return outcome;
  }
}
