import type { RenewalMessage } from "./services/renewal-message";
import type { WebhookMessage } from "./services/webhooks/message";

/** The Worker's bindings, variables and secrets as wrangler.toml and `wrangler secret` declare them. */
export interface Env {
  DB: D1Database;
  CHALLENGES: KVNamespace;
  /** The CertificateIssuer Durable Object class; deps.ts gives it its RPC type. */
  CERTIFICATE_ISSUER: DurableObjectNamespace;
  /** The per-team limiter of calls that reach the CA (objects/team-limiter.ts). */
  TEAM_LIMITER: DurableObjectNamespace;
  /** The ACME server's replay nonces, one object per shard (objects/acme-nonces.ts). */
  ACME_NONCES: DurableObjectNamespace;
  /** The renewal queue: the cron's sweep sends due certificates, the Worker's queue handler renews them (services/renewal-queue.ts). */
  RENEWALS: Queue<RenewalMessage>;
  /** The webhook queue: one message per outbox row to send (services/webhooks/queue.ts consumes it). */
  WEBHOOKS: Queue<WebhookMessage>;
  /** Optional: "development" (npm start), "test" (vitest) or "production" (default): only local runs accept the committed secrets. */
  CERTDESK_ENV?: string;
  ADMIN_TOKEN: string;
  /** The current sealing key: every new seal uses it. */
  ENCRYPTION_KEY: string;
  /** Optional secret: keys rotated out (comma-separated), read until POST /api/v1/admin/reseal has moved everything off them. */
  ENCRYPTION_KEY_PREVIOUS?: string;
  ACME_DIRECTORY_URL: string;
  ACME_STAGING_DIRECTORY_URL: string;
  DOH_RESOLVER_URL: string;
  /** Optional: "required" (default) or "off": whether a project's domain needs a TXT record before the team holds it. */
  DOMAIN_VERIFICATION?: string;
  /** Optional: base URL overrides for DNS provider APIs (tests point them at local fakes). JSON object. */
  DNS_API_BASE_URLS?: string;
  /** Optional: seconds an HTTP request may wait on issuance before answering "pending" (default 25). */
  ISSUANCE_WAIT_SECONDS?: string;
  /** Optional: the longest validity of a private CA's leaf certificate, in days (default 398). */
  PRIVATE_CA_MAX_LEAF_DAYS?: string;
  /** Optional: the origin private CAs write into their certificates for their CRL and CA certificate (default: the request's). */
  PKI_PUBLIC_ORIGIN?: string;
  /** Optional secrets: external account binding (RFC 8555 §7.3.4) for CAs that require one (ZeroSSL, Google Trust Services, …). */
  ACME_EAB_KID?: string;
  ACME_EAB_HMAC_KEY?: string;
  /** Optional fair-use limits per team (core/config.ts has each default and why). */
  CA_CALLS_BURST?: string;
  CA_CALLS_PER_HOUR?: string;
  CLIENT_CERTIFICATES_PER_PROJECT?: string;
  CLIENT_CERTIFICATES_PER_TEAM?: string;
  CLIENT_CERTIFICATE_BYTES_PER_TEAM?: string;
  ORGANIZATION_CERTIFICATE_BYTES_PER_TEAM?: string;
  CERTIFICATES_PER_TEAM?: string;
  PRIVATE_CAS_PER_TEAM?: string;
  DNS_CONNECTIONS_PER_TEAM?: string;
  PRIVATE_CERTIFICATES_PER_TEAM?: string;
  CERTIFICATE_BYTES_PER_TEAM?: string;
  ACME_ORDERS_PER_ACCOUNT_PER_3H?: string;
  ACME_ORDERS_PER_NAME_SET_PER_WEEK?: string;
  RENEWALS_PER_TICK?: string;
  WEBHOOK_ENDPOINTS_PER_TEAM?: string;
  /** Optional, local runs only: "true" lets webhooks go to http:// and loopback receivers (core/config.ts). */
  ALLOW_PRIVATE_WEBHOOK_TARGETS?: string;
  /** Optional, tests only: the port the ACME server's http-01 validation fetches instead of 80 (core/config.ts). */
  ACME_SERVER_HTTP01_PORT?: string;
}
