/** Worker entry: the HTTP app, the renewal and deploy cron, the renewal queue's consumer, and the Durable Object classes. */
import "reflect-metadata";
import { createApp } from "./app";
import { depsFrom } from "./deps";
import type { Env } from "./env";
import { withSecurityHeaders } from "./http/security-headers";
import { answerChallenge, CHALLENGE_PATH } from "./routes/well-known";
import { refreshRenewalInfo } from "./services/ari-refresh";
import { sweepDueDeployments } from "./services/deploy-targets/sweep";
import { consumeQueueBatch } from "./services/queue-routing";
import { sweepDueCertificates } from "./services/renewal-sweep";
import { sweepWebhooks } from "./services/webhooks/sweep";

export { CertificateIssuer } from "./objects/certificate-issuer";
export { TeamLimiter } from "./objects/team-limiter";

const app = createApp();

export default {
  async fetch(request, env, ctx) {
    // HTTP-01 answers go around the app: a CA's validation request costs one KV read and the security headers, nothing
    // more (bench/RESULTS.md, "challenge route"); the app would add its router and middleware to every one.
    if (request.method === "GET" && new URL(request.url).pathname.startsWith(CHALLENGE_PATH)) {
      return withSecurityHeaders(await answerChallenge(request, depsFrom(env), ctx));
    }
    return app.fetch(request, env, ctx);
  },
  async scheduled(controller, env) {
    // Awaited, not waitUntil'd: a failed sweep then fails this cron invocation visibly (and it is retried on the next tick).
    const deps = depsFrom(env);
    const renewals = await sweepDueCertificates(deps, controller.scheduledTime);
    console.log(`renewal sweep: ${renewals.due} due, ${renewals.enqueued} enqueued, ${renewals.failed} not sent`);
    // Deliveries a failed target is owed, and any an issuance or upload could not hand off.
    const deliveries = await sweepDueDeployments(deps, controller.scheduledTime);
    console.log(`deploy sweep: ${deliveries.due} due, ${deliveries.delivered} delivered, ${deliveries.failed} failed`);
    // RFC 9773 renewal information the CA asked to be fetched again; last, so a slow CA delays nothing else. A window
    // moved earlier moves nextRenewalAt, which the next tick's renewal sweep acts on. Never fails the tick.
    try {
      const ari = await refreshRenewalInfo(deps, controller.scheduledTime);
      console.log(`ARI refresh: ${ari.due} due, ${ari.refreshed} refreshed, ${ari.moved} moved, ${ari.failed} failed`);
    } catch (error) {
      console.error(`ARI refresh: ${error instanceof Error ? error.message : String(error)}`);
    }
    // Webhooks: expiry notices that have come, and messages whose queue message was lost. Never fails the tick.
    try {
      const hooks = await sweepWebhooks(deps, controller.scheduledTime);
      console.log(`webhook sweep: ${hooks.announced} expiry notices, ${hooks.due} overdue, ${hooks.enqueued} enqueued, ${hooks.failed} not sent`);
    } catch (error) {
      console.error(`webhook sweep: ${error instanceof Error ? error.message : String(error)}`);
    }
  },
  /** The renewal queue, its dead-letter queue and the webhook queue, each by its exact name (services/queue-routing.ts). */
  async queue(batch, env) {
    await consumeQueueBatch(depsFrom(env), batch);
  },
} satisfies ExportedHandler<Env, unknown>;
