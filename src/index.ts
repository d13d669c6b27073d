/** Worker entry: the HTTP app, the renewal cron, and the Durable Object classes. */
import "reflect-metadata";
import { createApp } from "./app";
import type { Env } from "./env";

export { CertificateIssuer } from "./issuance/certificate-issuer";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller, _env, _ctx) {
    // The renewal sweep is wired in by the renewal module.
  },
} satisfies ExportedHandler<Env>;
