/** Worker entry: the HTTP app, the renewal cron, and the Durable Object classes. */
import "reflect-metadata";
import { createApp } from "./app";
import type { Env } from "./env";
import { sweepDueCertificates } from "./renewal/sweep";

export { CertificateIssuer } from "./issuance/certificate-issuer";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(sweepDueCertificates(env, controller.scheduledTime).then((r) => console.log(`renewal sweep: ${r.due} due, ${r.dispatched} handed off`)));
  },
} satisfies ExportedHandler<Env>;
