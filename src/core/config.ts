/** The service's configuration: the Worker's variables and secrets, checked with zod (names, never values, in errors). */
import { z } from "zod";
import { keyring } from "../crypto/sealing";
import { dnsProviderNameSchema, parseDnsCredentials } from "../dns/credentials";
import type { DnsProviderName } from "../dns/registry";
import { AppError } from "./errors";

/**
 * Secrets committed to this repository (.dev.vars.example for `npm start`, vitest.config.ts for the tests):
 * public, so they protect nothing and are refused unless CERTDESK_ENV says this is a local run.
 */
const COMMITTED_ADMIN_TOKENS = ["local-admin-token", "test-admin-token-0123456789"];
const COMMITTED_ENCRYPTION_KEYS = ["bG9jYWwtZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzI=", "dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTMyYnl0ZXM="];

/** Where the Worker runs: only `development` (npm start) and `test` (vitest) accept the committed secrets. */
const environments = ["production", "development", "test"] as const;

const ENCRYPTION_KEY_RULE = "must be 32 bytes, base64-encoded (openssl rand -base64 32)";

/** Whether `value` is 32 bytes of base64 (a 256-bit AES key). */
function isAesKey(value: string): boolean {
  try {
    return atob(value.trim()).length === 32;
  } catch {
    return false;
  }
}

/** Whether two base64 keys hold the same bytes, however they are padded or spaced. */
function sameKey(a: string, b: string): boolean {
  try {
    return atob(a.trim()) === atob(b.trim());
  } catch {
    return false;
  }
}

/** A whole number variable with a documented default (wrangler passes every var as a string). */
function count(defaultValue: number, max: number) {
  return z.coerce.number().int().min(1).max(max).default(defaultValue);
}

const MiB = 1024 * 1024;

/** METRICS_CERTIFICATE_SERIES unless set: the certificates of a `/metrics` scrape that get their own series. */
export const METRICS_CERTIFICATE_SERIES_DEFAULT = 1_000;

const OUTBOUND_LIMIT_RULE = "OUTBOUND_RESPONSE_MAX_KIB must be a whole number of KiB from 1 to 65536";

/** A JSON object of provider name → URL, overriding those providers' API origins (tests and local runs point them at fakes; refused in production). */
function baseUrls(name: string) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v) return {} as Record<string, string>;
      try {
        return z.record(z.string(), z.url()).parse(JSON.parse(v));
      } catch {
        ctx.addIssue({ code: "custom", message: `${name} must be a JSON object of URLs` });
        return z.NEVER;
      }
    });
}

/**
 * Fair-use limits per team, each a `[vars]` entry with this default (SECURITY.md, "Limits"). Let's Encrypt's own
 * limits are per account, per registered domain and per IP (https://letsencrypt.org/docs/rate-limits/): 300 new
 * orders per account per 3 hours, 50 new certificates per registered domain per 7 days, 5 per exact set of names
 * per 7 days, 10 new accounts per IP per 3 hours. Teams share the Worker's IPs and may share registered domains,
 * so one team's bursts must not spend what the others need.
 *
 * The defaults are sized for a platform team onboarding its customers' domains (each team has its own ACME account):
 * no tighter than the CA's per-account limits, and room for 100,000 certificates. A deployment shared by many small
 * teams tightens them in `[vars]` (docs/configuration.md).
 */
export const LIMIT_DEFAULTS = {
  /**
   * Calls that reach the CA (obtain, manual renew, Vercel issue) a team may make at once: its bucket's size. Let's
   * Encrypt's own per-account burst (300 new orders per 3 hours), so a platform adding 40 customer domains in a minute
   * meets no 429 of ours that the CA would not have given.
   */
  CA_CALLS_BURST: 300,
  /** How fast the bucket refills: calls per hour, one every 3600/N s (a leaky bucket, as Let's Encrypt's: 300 per 3 h). */
  CA_CALLS_PER_HOUR: 100,
  /** Client certificates (Vercel mTLS) per project: one per origin. */
  CLIENT_CERTIFICATES_PER_PROJECT: 20,
  CLIENT_CERTIFICATES_PER_TEAM: 500,
  /** Bytes a team's client certificates may take in D1: certificate and chain, CA bundle, sealed key. */
  CLIENT_CERTIFICATE_BYTES_PER_TEAM: 4 * MiB,
  /** Bytes a team's OpenAI organization certificates may take (their count is capped at 50, as OpenAI's). */
  ORGANIZATION_CERTIFICATE_BYTES_PER_TEAM: 1 * MiB,
  /**
   * Server certificates (project, Vercel team-level, ACME) per team, and the bytes they may take: about 16 KiB each
   * (a leaf, its chain and a sealed RSA-4096 key take about 10 KiB), so the count is what binds.
   */
  CERTIFICATES_PER_TEAM: 100_000,
  CERTIFICATE_BYTES_PER_TEAM: 1_600 * MiB,
  /** Places a project's certificate is delivered to after every issuance, renewal and upload. */
  DEPLOY_TARGETS_PER_PROJECT: 10,
  /**
   * New orders a team's ACME account may place per 3 hours (Let's Encrypt's own limit, refilled one every 36 s), and
   * orders per week for one exact set of names (Let's Encrypt: 5). Orders that name the certificate they replace
   * (RFC 9773 §5) spend neither, as Let's Encrypt exempts them (issuance/order-budget.ts).
   */
  ACME_ORDERS_PER_ACCOUNT_PER_3H: 300,
  ACME_ORDERS_PER_NAME_SET_PER_WEEK: 5,
  /**
   * Certificates one cron tick puts on the renewal queue at most (services/renewal-sweep.ts). Every 15 minutes that is
   * 384,000 a day; a tick's D1 reads and queue sends stay under the 50 subrequests of a free-plan invocation.
   */
  RENEWALS_PER_TICK: 4_000,
  /** Webhook endpoints a team may have (routes/native/webhooks.ts): each event is one outbox row and request per endpoint. */
  WEBHOOK_ENDPOINTS_PER_TEAM: 20,
  /**
   * Undelivered webhook events a team's outbox holds, and the bytes they may take in D1 (each event's body once, and a
   * row per endpoint that takes it). Recording one more drops the team's oldest undelivered events first, counted in
   * `certdesk_webhook_events_dropped_total` and the audit log; the change that caused the event never fails for it
   * (services/webhooks/emit.ts).
   */
  WEBHOOK_EVENTS_PER_TEAM: 1_000,
  WEBHOOK_OUTBOX_BYTES_PER_TEAM: 4 * MiB,
  /** A team's own CAs (services/private-ca/create-ca.ts): roots, intermediates and imported CAs together. */
  PRIVATE_CAS_PER_TEAM: 100,
  /** Certificates a team's CAs have issued and that are still stored (about 3 KiB each with a sealed EC key). */
  PRIVATE_CERTIFICATES_PER_TEAM: 100_000,
  /** A team's saved DNS connections (services/dns-connections.ts): each is a provider account's credentials, sealed. */
  DNS_CONNECTIONS_PER_TEAM: 100,
} as const;

const limitsShape = {
  CA_CALLS_BURST: count(LIMIT_DEFAULTS.CA_CALLS_BURST, 10_000),
  CA_CALLS_PER_HOUR: count(LIMIT_DEFAULTS.CA_CALLS_PER_HOUR, 100_000),
  CLIENT_CERTIFICATES_PER_PROJECT: count(LIMIT_DEFAULTS.CLIENT_CERTIFICATES_PER_PROJECT, 100_000),
  CLIENT_CERTIFICATES_PER_TEAM: count(LIMIT_DEFAULTS.CLIENT_CERTIFICATES_PER_TEAM, 1_000_000),
  CLIENT_CERTIFICATE_BYTES_PER_TEAM: count(LIMIT_DEFAULTS.CLIENT_CERTIFICATE_BYTES_PER_TEAM, 1024 * MiB),
  ORGANIZATION_CERTIFICATE_BYTES_PER_TEAM: count(LIMIT_DEFAULTS.ORGANIZATION_CERTIFICATE_BYTES_PER_TEAM, 1024 * MiB),
  CERTIFICATES_PER_TEAM: count(LIMIT_DEFAULTS.CERTIFICATES_PER_TEAM, 1_000_000),
  // At most a D1 database's own maximum size, 10 GB (https://developers.cloudflare.com/d1/platform/limits/).
  CERTIFICATE_BYTES_PER_TEAM: count(LIMIT_DEFAULTS.CERTIFICATE_BYTES_PER_TEAM, 10_000_000_000),
  DEPLOY_TARGETS_PER_PROJECT: count(LIMIT_DEFAULTS.DEPLOY_TARGETS_PER_PROJECT, 100),
  ACME_ORDERS_PER_ACCOUNT_PER_3H: count(LIMIT_DEFAULTS.ACME_ORDERS_PER_ACCOUNT_PER_3H, 1_000_000),
  ACME_ORDERS_PER_NAME_SET_PER_WEEK: count(LIMIT_DEFAULTS.ACME_ORDERS_PER_NAME_SET_PER_WEEK, 1_000_000),
  RENEWALS_PER_TICK: count(LIMIT_DEFAULTS.RENEWALS_PER_TICK, 100_000),
  WEBHOOK_ENDPOINTS_PER_TEAM: count(LIMIT_DEFAULTS.WEBHOOK_ENDPOINTS_PER_TEAM, 1_000),
  WEBHOOK_EVENTS_PER_TEAM: count(LIMIT_DEFAULTS.WEBHOOK_EVENTS_PER_TEAM, 1_000_000),
  WEBHOOK_OUTBOX_BYTES_PER_TEAM: count(LIMIT_DEFAULTS.WEBHOOK_OUTBOX_BYTES_PER_TEAM, 1024 * MiB),
  PRIVATE_CAS_PER_TEAM: count(LIMIT_DEFAULTS.PRIVATE_CAS_PER_TEAM, 100_000),
  PRIVATE_CERTIFICATES_PER_TEAM: count(LIMIT_DEFAULTS.PRIVATE_CERTIFICATES_PER_TEAM, 10_000_000),
  DNS_CONNECTIONS_PER_TEAM: count(LIMIT_DEFAULTS.DNS_CONNECTIONS_PER_TEAM, 10_000),
};

/** The limits as configured, or their defaults: what the quota checks take. */
export type Limits = { readonly [Name in keyof typeof LIMIT_DEFAULTS]: number };

const baseSchema = z.object({
  CERTDESK_ENV: z.enum(environments, { error: `CERTDESK_ENV must be one of ${environments.join(", ")}` }).default("production"),
  ADMIN_TOKEN: z.string().min(16, "ADMIN_TOKEN must be at least 16 characters"),
  ENCRYPTION_KEY: z.string().refine(isAesKey, `ENCRYPTION_KEY ${ENCRYPTION_KEY_RULE}`),
  /** Keys rotated out, still read until services/reseal.ts has moved everything to ENCRYPTION_KEY: comma- or space-separated. */
  ENCRYPTION_KEY_PREVIOUS: z
    .string()
    .optional()
    .transform((v) => (v ?? "").split(/[\s,]+/).filter(Boolean))
    .refine((keys) => keys.every(isAesKey), `each key in ENCRYPTION_KEY_PREVIOUS ${ENCRYPTION_KEY_RULE}`),
  ACME_DIRECTORY_URL: z.url(),
  ACME_STAGING_DIRECTORY_URL: z.url(),
  /** The DNS-over-HTTPS resolver for propagation and CAA checks; `none` skips both. */
  DOH_RESOLVER_URL: z.union([z.literal("none"), z.url()]),
  /**
   * Whether a team must prove control of a name before it holds it (services/domain-verification.ts): `required` (the
   * default) holds a project's new domain pending until a TXT record at `_certdesk.<domain>` carries the team's token;
   * `off` lets the first team to add a name hold it at once (tests and local runs, where no DNS is published).
   */
  DOMAIN_VERIFICATION: z.enum(["required", "off"], { error: "DOMAIN_VERIFICATION must be required or off" }).default("required"),
  /**
   * The most of any outbound answer's body that is read, in KiB (ACME, DNS providers, DoH, deploy targets, webhooks;
   * outbound/bounded-body.ts): past it the rest is cancelled unread and the call fails. Default 1 MiB, at most 64 MiB.
   */
  OUTBOUND_RESPONSE_MAX_KIB: z.coerce.number(OUTBOUND_LIMIT_RULE).int(OUTBOUND_LIMIT_RULE).min(1, OUTBOUND_LIMIT_RULE).max(65_536, OUTBOUND_LIMIT_RULE).default(1024),
  /** Test only, refused in production: where DNS providers' APIs are called instead of their own (`{"cloudflare": "..."}`). */
  DNS_API_BASE_URLS: baseUrls("DNS_API_BASE_URLS"),
  /** Test only, refused in production: where deploy targets' APIs are called instead of their own (`{"cloudflare": "...", "aws": "..."}`). */
  DEPLOY_API_BASE_URLS: baseUrls("DEPLOY_API_BASE_URLS"),
  ISSUANCE_WAIT_SECONDS: z.coerce.number().int().min(0).max(120).default(25),
  /**
   * The certificates a `GET /metrics` scrape gives their own series (services/metrics/scrape.ts), the most urgent
   * first; the aggregates count every one whatever this is. Six lines (about 1.2 KB) each: 1,000 leave room in a
   * 5 MB scrape for the aggregates of thousands of teams.
   */
  METRICS_CERTIFICATE_SERIES: count(METRICS_CERTIFICATE_SERIES_DEFAULT, 100_000),
  /**
   * The longest validity a team's private CA gives a leaf certificate, in days (services/private-ca/issue.ts). 398 is
   * the CA/B Baseline Requirements' ceiling for public TLS certificates; a private PKI has no rule but this one.
   */
  PRIVATE_CA_MAX_LEAF_DAYS: z.coerce.number("PRIVATE_CA_MAX_LEAF_DAYS must be a whole number of days from 1 to 3650").int().min(1).max(3650).default(398),
  /**
   * Optional: the origin written into private CAs' certificates for their CRL and CA certificate (`<origin>/pki/<id>/crl`).
   * Unset, a CA takes the origin of the request that created it; either way it is fixed for that CA at its creation.
   */
  PKI_PUBLIC_ORIGIN: z
    .url("PKI_PUBLIC_ORIGIN must be an http(s) origin")
    .refine((v) => /^https?:\/\//.test(v), "PKI_PUBLIC_ORIGIN must be an http(s) origin")
    .transform((v) => new URL(v).origin)
    .optional(),
  ACME_EAB_KID: z.string().min(1).optional(),
  ACME_EAB_HMAC_KEY: z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/, "ACME_EAB_HMAC_KEY must be base64url").optional(),
  /** CAs tried in this order when the primary fails on its side (issuance/ca-fallback.ts): comma- or space-separated directory URLs. */
  ACME_FALLBACK_DIRECTORY_URLS: z
    .string()
    .optional()
    .transform((v) => (v ?? "").split(/[\s,]+/).filter(Boolean))
    .refine((urls) => urls.every((url) => z.url().safeParse(url).success), "each of ACME_FALLBACK_DIRECTORY_URLS must be a URL"),
  /** External account binding per fallback CA (RFC 8555 §7.3.4): `{"<directory URL>": {"kid": "…", "hmacKey": "<base64url>"}}`, a secret. */
  ACME_FALLBACK_EAB: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v) return {} as Record<string, { kid: string; hmacKey: string }>;
      try {
        return z.record(z.url(), z.object({ kid: z.string().min(1), hmacKey: z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/) }).strict()).parse(JSON.parse(v));
      } catch {
        ctx.addIssue({ code: "custom", message: 'ACME_FALLBACK_EAB must be {"<directory URL>": {"kid": "...", "hmacKey": "<base64url>"}}' });
        return z.NEVER;
      }
    }),
  /**
   * Test only, refused in production: `{"ms": N, "hostSuffix": "kvlag.example"}` makes the HTTP-01 route treat KV
   * entries as missing for N ms after their write, for hosts under that suffix, as a location KV has not reached yet
   * would see them (routes/well-known.ts); the e2e tests use it to prove the D1 fallback.
   */
  TEST_HTTP01_KV_LAG: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v) return undefined;
      try {
        return z.object({ ms: z.number().int().min(1).max(86_400_000), hostSuffix: z.string().regex(/^[a-z0-9.-]+$/i) }).parse(JSON.parse(v));
      } catch {
        ctx.addIssue({ code: "custom", message: 'TEST_HTTP01_KV_LAG must be {"ms": <1..86400000>, "hostSuffix": "<name>"}' });
        return z.NEVER;
      }
    }),
  /**
   * Local runs only: webhook endpoints may be http:// URLs on loopback, and names are not resolved to check that they
   * are public (services/webhooks/endpoint-url.ts). Refused in production (refuseTestSwitches); endpoint-url.ts checks
   * CERTDESK_ENV again.
   */
  ALLOW_PRIVATE_WEBHOOK_TARGETS: z
    .enum(["true", "false"], { error: "ALLOW_PRIVATE_WEBHOOK_TARGETS must be true or false" })
    .optional()
    .transform((v) => v === "true"),
  /**
   * Test only, refused in production: the port the ACME server's http-01 validation fetches instead of 80 (RFC 8555
   * §8.3), as Pebble's `httpPort`. Set, it also lets validation reach private and loopback addresses (a local run's
   * client listens there); unset, validation reaches only public addresses on port 80.
   */
  ACME_SERVER_HTTP01_PORT: z.coerce
    .number("ACME_SERVER_HTTP01_PORT must be a port number")
    .int("ACME_SERVER_HTTP01_PORT must be a port number")
    .min(1, "ACME_SERVER_HTTP01_PORT must be a port number")
    .max(65535, "ACME_SERVER_HTTP01_PORT must be a port number")
    .optional(),
  /**
   * CNAME-delegated DNS-01 (dns/delegation.ts): the operator's zone that customers' `_acme-challenge` CNAMEs point into,
   * e.g. acme-validation.example.net. Unset, delegation is unavailable (an obtain asking for it is a 400).
   */
  ACME_DELEGATION_ZONE: z
    .string()
    .optional()
    .transform((v) => (v ?? "").trim().toLowerCase().replace(/\.$/, "") || undefined)
    .refine((v) => v === undefined || DELEGATION_ZONE.test(v), "ACME_DELEGATION_ZONE must be a DNS name such as acme-validation.example.net"),
  /** The DNS provider hosting ACME_DELEGATION_ZONE: one of the registered providers (dns/registry.ts). */
  ACME_DELEGATION_DNS_PROVIDER: dnsProviderNameSchema.optional(),
  /** A secret: that provider's credentials as JSON, in the shape `dnsCredentials` takes for it. Never logged or returned. */
  ACME_DELEGATION_DNS_CREDENTIALS: z.string().optional(),
  ...limitsShape,
});

/** A DNS name of at least two labels (letters, digits, `-`). */
const DELEGATION_ZONE = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The operator's delegation zone, provider and parsed credentials, or null when ACME_DELEGATION_ZONE is unset. */
export interface DelegationConfig {
  zone: string;
  provider: DnsProviderName;
  credentials: Record<string, unknown>;
}

/**
 * ACME_DELEGATION_*: with a zone, the provider and its credentials are required, and the credentials must have the
 * provider's shape (messages name the field and the rule, never a value). Without a zone, neither may be set.
 */
function withDelegation<T extends { ACME_DELEGATION_ZONE?: string; ACME_DELEGATION_DNS_PROVIDER?: DnsProviderName; ACME_DELEGATION_DNS_CREDENTIALS?: string }>(config: T, ctx: z.RefinementCtx) {
  const { ACME_DELEGATION_ZONE: zone, ACME_DELEGATION_DNS_PROVIDER: provider, ACME_DELEGATION_DNS_CREDENTIALS: raw, ...rest } = config;
  let delegation: DelegationConfig | null = null;
  if (!zone) {
    if (provider !== undefined || raw !== undefined) {
      ctx.addIssue({ code: "custom", path: ["ACME_DELEGATION_ZONE"], message: "ACME_DELEGATION_ZONE is required when ACME_DELEGATION_DNS_PROVIDER or ACME_DELEGATION_DNS_CREDENTIALS is set" });
    }
  } else if (provider === undefined) {
    ctx.addIssue({ code: "custom", path: ["ACME_DELEGATION_DNS_PROVIDER"], message: "ACME_DELEGATION_DNS_PROVIDER is required with ACME_DELEGATION_ZONE" });
  } else if (raw === undefined) {
    ctx.addIssue({ code: "custom", path: ["ACME_DELEGATION_DNS_CREDENTIALS"], message: "ACME_DELEGATION_DNS_CREDENTIALS is required with ACME_DELEGATION_ZONE (a secret: wrangler secret put)" });
  } else {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      ctx.addIssue({ code: "custom", path: ["ACME_DELEGATION_DNS_CREDENTIALS"], message: "ACME_DELEGATION_DNS_CREDENTIALS must be a JSON object" });
      return { ...rest, ACME_DELEGATION: null };
    }
    try {
      delegation = { zone, provider, credentials: parseDnsCredentials(provider, json, "ACME_DELEGATION_DNS_CREDENTIALS") as Record<string, unknown> };
    } catch (error) {
      ctx.addIssue({ code: "custom", path: ["ACME_DELEGATION_DNS_CREDENTIALS"], message: error instanceof Error ? error.message : "invalid credentials" });
    }
  }
  return { ...rest, ACME_DELEGATION: delegation };
}

/** Refuses the committed secrets outside a local run: a deployment that forgot `wrangler secret put` fails loudly. */
function refuseCommittedSecrets(config: z.output<typeof baseSchema>, ctx: z.RefinementCtx): void {
  if (config.CERTDESK_ENV !== "production") return;
  if (COMMITTED_ADMIN_TOKENS.includes(config.ADMIN_TOKEN.trim())) {
    ctx.addIssue({
      code: "custom",
      path: ["ADMIN_TOKEN"],
      message: "ADMIN_TOKEN is a value committed to the repository; set your own with `wrangler secret put ADMIN_TOKEN`",
    });
  }
  if (COMMITTED_ENCRYPTION_KEYS.some((known) => sameKey(known, config.ENCRYPTION_KEY))) {
    ctx.addIssue({
      code: "custom",
      path: ["ENCRYPTION_KEY"],
      message:
        "ENCRYPTION_KEY is a value committed to the repository; set your own with `wrangler secret put ENCRYPTION_KEY` " +
        "(move the committed one to ENCRYPTION_KEY_PREVIOUS and reseal to keep what it sealed)",
    });
  }
}

/**
 * Every variable that exists for tests and local runs, and whether it is set. In production each would send secrets
 * elsewhere or weaken a check: DNS_API_BASE_URLS gets every team's DNS credentials, DEPLOY_API_BASE_URLS every
 * delivered private key, ALLOW_PRIVATE_WEBHOOK_TARGETS lets webhooks reach private addresses, TEST_HTTP01_KV_LAG hides
 * challenge answers. So a production deployment that sets one does not start, rather than quietly obeying or ignoring it.
 */
const TEST_ONLY_SWITCHES: Record<string, (config: z.output<typeof baseSchema>) => boolean> = {
  DNS_API_BASE_URLS: (config) => Object.keys(config.DNS_API_BASE_URLS).length > 0,
  DEPLOY_API_BASE_URLS: (config) => Object.keys(config.DEPLOY_API_BASE_URLS).length > 0,
  TEST_HTTP01_KV_LAG: (config) => config.TEST_HTTP01_KV_LAG !== undefined,
  ALLOW_PRIVATE_WEBHOOK_TARGETS: (config) => config.ALLOW_PRIVATE_WEBHOOK_TARGETS,
  ACME_SERVER_HTTP01_PORT: (config) => config.ACME_SERVER_HTTP01_PORT !== undefined,
};

/** Their names: `npm run deploy` refuses them before deploying (scripts/deploy/deploy.mjs keeps the same list). */
export const TEST_ONLY_VARIABLES = Object.keys(TEST_ONLY_SWITCHES);

/** Switches that change behaviour for tests are refused outside a local run. */
function refuseTestSwitches(config: z.output<typeof baseSchema>, ctx: z.RefinementCtx): void {
  if (config.CERTDESK_ENV !== "production") return;
  for (const [name, isSet] of Object.entries(TEST_ONLY_SWITCHES)) {
    if (isSet(config)) {
      ctx.addIssue({ code: "custom", path: [name], message: `${name} is for tests: set only when CERTDESK_ENV is test or development` });
    }
  }
}

/** ENCRYPTION_KEY as the keyring sealing.ts reads (current key, then previous ones), so seal/unseal callers pass it as before. */
function withKeyring({ ENCRYPTION_KEY_PREVIOUS, ...config }: z.output<typeof baseSchema>) {
  return { ...config, ENCRYPTION_KEY: keyring(config.ENCRYPTION_KEY, ENCRYPTION_KEY_PREVIOUS) };
}

export const configSchema = baseSchema
  .superRefine(refuseCommittedSecrets)
  .superRefine(refuseTestSwitches)
  .transform(withKeyring)
  .transform((config, ctx) => withDelegation(config, ctx));

export type Config = z.infer<typeof configSchema>;

/** The validated configuration; a misconfigured deployment fails loudly with the variable's name, not a secret's value. */
export function parseConfig(values: Record<string, unknown>): Config {
  const result = configSchema.safeParse(values);
  if (!result.success) {
    const names = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    console.error(`configuration error: ${names}`);
    throw new AppError("internal", "Service is misconfigured");
  }
  return result.data;
}
