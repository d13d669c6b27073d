/** Worker entry: the HTTP app, the renewal and deploy cron, the renewal queue's consumer, and the Durable Object classes. */
import "reflect-metadata";
import { createApp } from "./app";
import { depsFrom } from "./deps";
import type { Env } from "./env";
import { withSecurityHeaders } from "./http/security-headers";
import { cachedCrl, rememberedCrl } from "./routes/pki-cache";
import { answerChallenge, CHALLENGE_PATH } from "./routes/well-known";
import { runCronTick } from "./services/cron-tick";
import { consumeQueueBatch } from "./services/queue-routing";

export { AcmeNonceStore } from "./objects/acme-nonces";
export { CertificateIssuer } from "./objects/certificate-issuer";
export { TeamLimiter } from "./objects/team-limiter";

const app = createApp();
/** `/pki/<CA id>/crl` (routes/pki.ts), the CA id as the route accepts it. */
const CACHED_CRL_PATH = /^\/pki\/(ca_[A-Za-z0-9]{1,61})\/crl$/;

export default {
  async fetch(request, env, ctx) {
    // HTTP-01 answers go around the app: a CA's validation request costs one KV read and the security headers, nothing
    // more (bench/RESULTS.md, "challenge route"); the app would add its router and middleware to every one.
    if (request.method === "GET") {
      const url = new URL(request.url);
      if (url.pathname.startsWith(CHALLENGE_PATH)) return withSecurityHeaders(await answerChallenge(request, depsFrom(env), ctx));
      // A CRL this isolate or location already holds (routes/pki-cache.ts: at most 10 s old) goes around the app too:
      // relying parties fetch CRLs often and all alike (bench/RESULTS.md, "private CA"). Memory first, synchronously
      // (a hit awaits nothing); the Cache API, a subrequest, only when memory has none. A miss is the app's route.
      const crl = CACHED_CRL_PATH.exec(url.pathname);
      if (crl) {
        const cached = rememberedCrl(crl[1]!) ?? (await cachedCrl(url.origin, crl[1]!));
        if (cached) return cached; // It carries the security headers already (pki-cache.ts).
      }
    }
    return app.fetch(request, env, ctx);
  },
  async scheduled(controller, env) {
    // Every stage runs whatever another did (services/cron-tick.ts). Awaited, not waitUntil'd; a stage that failed then
    // fails this invocation too, once all have run, so the cron's own status shows it (each is retried next tick).
    const failed = (await runCronTick(depsFrom(env), controller.scheduledTime)).filter((report) => !report.ok);
    if (failed.length > 0) throw new Error(`cron tick: ${failed.map((report) => report.stage).join(", ")} failed (see the log above)`);
  },
  /** The renewal queue, its dead-letter queue and the webhook queue, each by its exact name (services/queue-routing.ts). */
  async queue(batch, env) {
    await consumeQueueBatch(depsFrom(env), batch);
  },
} satisfies ExportedHandler<Env, unknown>;
