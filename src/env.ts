/** The Worker's bindings, variables and secrets as wrangler.toml and `wrangler secret` declare them. */
export interface Env {
  DB: D1Database;
  CHALLENGES: KVNamespace;
  /** The CertificateIssuer Durable Object class; deps.ts gives it its RPC type. */
  CERTIFICATE_ISSUER: DurableObjectNamespace;
  ADMIN_TOKEN: string;
  ENCRYPTION_KEY: string;
  ACME_DIRECTORY_URL: string;
  ACME_STAGING_DIRECTORY_URL: string;
  DOH_RESOLVER_URL: string;
  /** Optional: base URL overrides for DNS provider APIs (tests point them at local fakes). JSON object. */
  DNS_API_BASE_URLS?: string;
  /** Optional: seconds an HTTP request may wait on issuance before answering "pending" (default 25). */
  ISSUANCE_WAIT_SECONDS?: string;
  /** Optional secrets: external account binding (RFC 8555 §7.3.4) for CAs that require one (ZeroSSL, Google Trust Services, …). */
  ACME_EAB_KID?: string;
  ACME_EAB_HMAC_KEY?: string;
}
