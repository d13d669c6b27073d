/** What the services need: issuance's dependencies, the per-certificate issuers, the per-team limiters and a clock. */
import type { Clock } from "../core/time";
import type { IssuanceDeps } from "../issuance/deps";
import type { CertificateIssuerRpc } from "../issuance/issue-request";
import type { TeamLimiterRpc } from "./limits/token-bucket";
import type { RenewalMessage } from "./renewal-message";
import type { WebhookMessage } from "./webhooks/message";

/** The fair-use checks a service runs before work that reaches the CA (services/limits/). */
export interface LimitChecks {
  /** Takes one call to the CA from the team's allowance, or throws AppError("rate_limited") with retryAfter (429). */
  takeCaCall(teamId: string): Promise<void>;
}

export interface Deps extends IssuanceDeps {
  /** The Durable Object that serializes every obtain, renew and revoke of one certificate (see issuerName). */
  issuer(name: string): CertificateIssuerRpc;
  /** The Durable Object that holds a team's rate-limit buckets (objects/team-limiter.ts). */
  teamLimiter(teamId: string): TeamLimiterRpc;
  /** The limit checks, bound to these dependencies: `await deps.limits.takeCaCall(teamId)`. */
  limits: LimitChecks;
  clock: Clock;
  /** Where the sweep puts due certificates (services/renewal-sweep.ts); the Worker's queue handler consumes it. */
  renewalQueue: { sendBatch(messages: Iterable<MessageSendRequest<RenewalMessage>>): Promise<unknown> };
  /** The fetch deliveries to deploy targets use (tests pass a fake of the provider); the global fetch when absent. */
  deployFetch?: typeof fetch;
  /** Where certificate events wait to be sent to webhook endpoints (services/webhooks/); the Worker's queue handler consumes it. */
  webhookQueue: { sendBatch(messages: Iterable<MessageSendRequest<WebhookMessage>>): Promise<unknown> };
  /** The fetch webhook deliveries and their DNS-over-HTTPS checks use (tests pass fakes); the global fetch when absent. */
  webhookFetch?: typeof fetch;
  /** The fetch domain verification's DNS-over-HTTPS lookups use (tests pass a fake resolver); the global fetch when absent. */
  dnsFetch?: typeof fetch;
}
