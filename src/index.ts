/** Worker entry: the HTTP app, the renewal cron, and the Durable Object classes. */
import "reflect-metadata";
import { createApp } from "./app";
import { depsFrom } from "./deps";
import type { Env } from "./env";
import { sweepDueCertificates } from "./services/renewal-sweep";

export { CertificateIssuer } from "./objects/certificate-issuer";
export { TeamLimiter } from "./objects/team-limiter";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env) {
    // Awaited, not waitUntil'd: a failed sweep then fails this cron invocation visibly (and it is retried on the next tick).
    const result = await sweepDueCertificates(depsFrom(env), controller.scheduledTime);
    console.log(`renewal sweep: ${result.due} due, ${result.dispatched} handed off`);
  },
} satisfies ExportedHandler<Env>;
