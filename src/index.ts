/** Worker entry: the HTTP app, the renewal and deploy cron, and the Durable Object classes. */
import "reflect-metadata";
import { createApp } from "./app";
import { depsFrom } from "./deps";
import type { Env } from "./env";
import { sweepDueDeployments } from "./services/deploy-targets/sweep";
import { sweepDueCertificates } from "./services/renewal-sweep";

export { CertificateIssuer } from "./objects/certificate-issuer";
export { TeamLimiter } from "./objects/team-limiter";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env) {
    // Awaited, not waitUntil'd: a failed sweep then fails this cron invocation visibly (and it is retried on the next tick).
    const deps = depsFrom(env);
    const renewals = await sweepDueCertificates(deps, controller.scheduledTime);
    console.log(`renewal sweep: ${renewals.due} due, ${renewals.dispatched} handed off`);
    // Deliveries a failed target is owed, and any an issuance or upload could not hand off.
    const deliveries = await sweepDueDeployments(deps, controller.scheduledTime);
    console.log(`deploy sweep: ${deliveries.due} due, ${deliveries.delivered} delivered, ${deliveries.failed} failed`);
  },
} satisfies ExportedHandler<Env>;
