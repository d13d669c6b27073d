/** The drizzle schema: every durable record. SQL migrations in migrations/ are generated from this file. */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Milliseconds since the epoch, stored as an integer. */
const timestamp = (name: string) => integer(name, { mode: "number" });

export const teams = sqliteTable("teams", {
  id: text("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  createdAt: timestamp("created_at").notNull(),
});

export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** SHA-256 of the token, hex. The token itself is shown once and never stored. */
    tokenHash: text("token_hash").notNull().unique(),
    /** The first characters of the token, so a user can tell tokens apart. */
    prefix: text("prefix").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: timestamp("created_at").notNull(),
    expiresAt: timestamp("expires_at"),
    lastUsedAt: timestamp("last_used_at"),
    revokedAt: timestamp("revoked_at"),
  },
  (t) => [index("api_tokens_team_idx").on(t.teamId)],
);

export const projects = sqliteTable(
  "projects",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    domain: text("domain"),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [uniqueIndex("projects_team_name_idx").on(t.teamId, t.name), index("projects_domain_idx").on(t.domain)],
);

/**
 * Which team holds a domain name. A name belongs to one team at a time, so that no team can
 * obtain a certificate for another team's name through the shared challenge route.
 */
export const domainClaims = sqliteTable("domain_claims", {
  domain: text("domain").primaryKey(),
  teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
  createdAt: timestamp("created_at").notNull(),
});

/**
 * Pending proofs of control (DOMAIN_VERIFICATION=required): a team asked for `domain` and must publish `token` in a
 * TXT record before it holds the name (a domain_claims row). Several teams may wait on one name; the first whose
 * record is found gets the claim. `checkedAt`: the last DNS lookup, so the cron checks the least recently looked at first.
 */
export const domainVerifications = sqliteTable(
  "domain_verifications",
  {
    domain: text("domain").notNull(),
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    token: text("token").notNull(),
    createdAt: timestamp("created_at").notNull(),
    checkedAt: timestamp("checked_at"),
  },
  (t) => [primaryKey({ columns: [t.domain, t.teamId] }), index("domain_verifications_checked_idx").on(t.checkedAt)],
);

export type CertificateType = "custom" | "letsencrypt";
export type CertificateState = "active" | "revoked";

export const certificates = sqliteTable(
  "certificates",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    /** The owning project (native API); null for team-level certificates (Vercel `/v8/certs`). */
    projectId: text("project_id").references(() => projects.id, { onDelete: "cascade" }),
    type: text("type").$type<CertificateType>().notNull(),
    state: text("state").$type<CertificateState>().notNull().default("active"),
    /** The primary name (the project's domain, or the first requested name). */
    domain: text("domain").notNull(),
    names: text("names", { mode: "json" }).$type<string[]>().notNull(),
    certificatePem: text("certificate_pem").notNull(),
    chainPem: text("chain_pem").notNull().default(""),
    /** The private key, AES-256-GCM sealed with this row's id as associated data. */
    sealedKey: text("sealed_key").notNull(),
    keyType: text("key_type").notNull(),
    issuer: text("issuer").notNull(),
    serial: text("serial").notNull(),
    fingerprint: text("fingerprint").notNull(),
    issuedAt: timestamp("issued_at").notNull(),
    expiresAt: timestamp("expires_at").notNull(),
    autoRenew: integer("auto_renew", { mode: "boolean" }).notNull().default(false),
    /** The `issuedAt` of the certificate this one replaced by renewal. */
    renewedFrom: timestamp("renewed_from"),
    /** ACME: how it was obtained, so renewal can do it again (no secrets). */
    issuance: text("issuance", { mode: "json" }).$type<Record<string, unknown>>(),
    /** ACME DNS-01: the provider credentials, sealed with `<id>:dns` as associated data. */
    sealedDnsCredentials: text("sealed_dns_credentials"),
    /**
     * ACME DNS-01 through a saved connection (dns_connections): renewals open the connection's current credentials,
     * so this row keeps no copy. No foreign key: a connection is refused deletion while a certificate names it.
     */
    dnsConnectionId: text("dns_connection_id"),
    /**
     * ACME DNS-01 through the operator's delegation zone (dns/delegation.ts): the customer's `_acme-challenge` CNAME
     * points there, and every renewal writes its TXT with the operator's credentials as configured then.
     */
    dnsDelegation: integer("dns_delegation", { mode: "boolean" }).notNull().default(false),
    /** When the renewal sweep should next look at this certificate; null = never. */
    nextRenewalAt: timestamp("next_renewal_at"),
    renewalFailures: integer("renewal_failures").notNull().default(0),
    /**
     * Claimed by a sweep tick and on the renewal queue until this instant (services/renewal-sweep.ts): later ticks
     * leave it to that message. Set with the enqueue, cleared once the renewal ran; a lost message only delays it.
     */
    renewalQueuedUntil: timestamp("renewal_queued_until"),
    lastRenewAttempt: timestamp("last_renew_attempt"),
    lastRenewError: text("last_renew_error"),
    /** RFC 9773: the CA's suggested renewal window as last fetched (null when the CA offers no ARI). */
    ariWindowStart: timestamp("ari_window_start"),
    ariWindowEnd: timestamp("ari_window_end"),
    /** RFC 9773 §4.2: the CA's explanation of its window (e.g. an incident page), shown in status. */
    ariExplanationUrl: text("ari_explanation_url"),
    /** When to fetch the renewal information again (the CA's Retry-After, bounded); null = never. */
    ariRetryAt: timestamp("ari_retry_at"),
    revokedAt: timestamp("revoked_at"),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("certificates_project_idx").on(t.projectId),
    index("certificates_team_idx").on(t.teamId, t.createdAt),
    // The renewal sweep reads only due rows, oldest first: its cost follows the due count. The claim is in the index
    // too, so rows already on the queue are skipped without reading them. So are the team and the id the claim's turns
    // rank by (store/renewal-claims.ts): the claim reads the index alone, and the table only for the rows it claims.
    index("certificates_renewal_idx").on(t.nextRenewalAt, t.renewalQueuedUntil, t.teamId, t.id).where(sql`next_renewal_at IS NOT NULL`),
    // The ARI refresh reads only rows whose renewal information is due again, like the sweep.
    index("certificates_ari_retry_idx").on(t.ariRetryAt).where(sql`ari_retry_at IS NOT NULL`),
    // The webhooks' expiry scan (services/webhooks/expiry-scan.ts) reads only certificates near their expiry; so does
    // the operator's scrape, for the per-certificate series nearest expiry (services/metrics/certificate-gauges.ts).
    index("certificates_expiry_idx").on(t.expiresAt),
    // The scrape's aggregates (services/metrics/certificate-aggregates.ts): one seek per team × type × issuer × state
    // finds the next group and its earliest expiry, and a range of it counts those expiring within 30 days.
    index("certificates_expiry_group_idx").on(t.teamId, t.type, t.issuer, t.state, t.expiresAt),
    // A team's scrape: its certificates nearest expiry first.
    index("certificates_team_expiry_idx").on(t.teamId, t.expiresAt),
    // The certificates whose renewal is failing: counted by group and shown first, read without the healthy ones.
    index("certificates_renewal_failing_idx").on(t.teamId, t.type, t.issuer, t.state).where(sql`renewal_failures > 0`),
    // Deleting a DNS connection looks for the certificates that still use it (services/dns-connections.ts).
    index("certificates_dns_connection_idx").on(t.dnsConnectionId).where(sql`dns_connection_id IS NOT NULL`),
  ],
);

/**
 * A team's saved DNS provider credentials (services/dns-connections.ts), named once and used by DNS-01 obtains as
 * `dnsConnectionId`. The credentials are sealed (`<id>:dns-connection` as associated data), never shown again, and
 * rotated in place: the certificates that use the connection renew with whatever it holds then.
 */
export const dnsConnections = sqliteTable(
  "dns_connections",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** The registry name (dns/registry.ts), e.g. "cloudflare"; fixed for the connection's life. */
    provider: text("provider").notNull(),
    sealedCredentials: text("sealed_credentials").notNull(),
    /** The zones the provider listed for these credentials when they were last probed (a hint, not an inventory). */
    zones: text("zones", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("dns_connections_team_name_idx").on(t.teamId, t.name),
    // GET /api/v1/dns-connections pages newest first, as the other lists do.
    index("dns_connections_team_idx").on(t.teamId, t.createdAt, t.id),
  ],
);

/**
 * Where a project's certificate goes after every issuance, renewal and upload (services/deploy-targets/). The target
 * holds what it last received (`deployedSerial`); it is due whenever the project's certificate has another serial.
 */
export const deployTargets = sqliteTable(
  "deploy_targets",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    projectId: text("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    /** The registry kind (deploy/registry.ts), e.g. "aws_acm". */
    kind: text("kind").notNull(),
    /** Public settings (zone id, hostname, region, URL): shown back in listings. */
    settings: text("settings", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** The credentials, AES-256-GCM sealed with `<id>:deploy` as associated data; never shown again. */
    sealedCredentials: text("sealed_credentials").notNull(),
    /** The provider's id for what holds the certificate (custom hostname, custom certificate, ACM ARN). */
    remoteId: text("remote_id"),
    deployedSerial: text("deployed_serial"),
    deployedAt: timestamp("deployed_at"),
    lastAttemptAt: timestamp("last_attempt_at"),
    lastError: text("last_error"),
    /** Failed attempts in a row, and since when the target has failed (null while it is fine). */
    failures: integer("failures").notNull().default(0),
    failingSince: timestamp("failing_since"),
    /** No automatic attempt before this time (the backoff after a failure); null = as soon as it is due. */
    nextAttemptAt: timestamp("next_attempt_at"),
    /** A delivery in progress holds the target until this time, under `leaseId`: no two deliveries race. */
    leaseId: text("lease_id"),
    leaseUntil: timestamp("lease_until"),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [index("deploy_targets_project_idx").on(t.projectId), index("deploy_targets_team_idx").on(t.teamId)],
);

/**
 * HTTP-01 key authorizations (RFC 8555 §8.3), the strongly consistent copy: KV answers where the write has reached, and
 * this answers the CA's other perspectives meanwhile (Workers KV is eventually consistent across locations).
 */
export const acmeChallenges = sqliteTable(
  "acme_challenges",
  {
    token: text("token").primaryKey(),
    keyAuthorization: text("key_authorization").notNull(),
    expiresAt: timestamp("expires_at").notNull(),
  },
  (t) => [index("acme_challenges_expiry_idx").on(t.expiresAt)],
);

export const acmeAccounts = sqliteTable(
  "acme_accounts",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    directoryUrl: text("directory_url").notNull(),
    /** The account URL, used as the JWS `kid` (RFC 8555 §6.2). */
    accountUrl: text("account_url").notNull(),
    /** The account's ES256 private key (JWK JSON), sealed with this row's id as associated data. */
    sealedKey: text("sealed_key").notNull(),
    email: text("email"),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [uniqueIndex("acme_accounts_team_directory_idx").on(t.teamId, t.directoryUrl)],
);

export const clientCertificates = sqliteTable(
  "client_certificates",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    projectId: text("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    /** Normalized origin (`https://host[:port]`), or "" for project-wide. */
    origin: text("origin").notNull(),
    certificatePem: text("certificate_pem").notNull(),
    caPem: text("ca_pem").notNull(),
    sealedKey: text("sealed_key").notNull(),
    expiresAt: timestamp("expires_at").notNull(),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [uniqueIndex("client_certificates_project_origin_idx").on(t.projectId, t.origin)],
);

export const organizationCertificates = sqliteTable(
  "organization_certificates",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    name: text("name"),
    contentPem: text("content_pem").notNull(),
    validAt: timestamp("valid_at").notNull(),
    expiresAt: timestamp("expires_at").notNull(),
    activeInOrganization: integer("active_in_organization", { mode: "boolean" }).notNull().default(false),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [index("organization_certificates_team_idx").on(t.teamId, t.createdAt, t.id)],
);

export const projectCertificateActivations = sqliteTable(
  "project_certificate_activations",
  {
    certificateId: text("certificate_id")
      .notNull()
      .references(() => organizationCertificates.id, { onDelete: "cascade" }),
    projectId: text("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.certificateId, t.projectId] }), index("pca_project_idx").on(t.projectId)],
);

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id").notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    target: text("target").notNull(),
    /** What else is worth keeping about the change (ids, scopes, names); never a secret. */
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>(),
    at: timestamp("at").notNull(),
  },
  (t) => [
    index("audit_log_team_idx").on(t.teamId, t.at),
    // `GET /api/v1/audit-log`'s filters: each reads only its matches, newest first, not the whole team's log.
    index("audit_log_team_target_idx").on(t.teamId, t.target, t.at),
    index("audit_log_team_action_idx").on(t.teamId, t.action, t.at),
    index("audit_log_team_actor_idx").on(t.teamId, t.actor, t.at),
  ],
);

/**
 * Counters for `GET /metrics` (services/metrics/): renewal attempts and failures, ACME requests by status. A Worker's
 * isolates share no memory, so counts live here, one row per team, counter and label set, added to with an UPSERT once
 * per issuance job (store/metric-counters.ts), never per ACME request.
 */
export const metricCounters = sqliteTable(
  "metric_counters",
  {
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    /** The counter, e.g. "renewal_attempts" (store/metric-counters.ts lists them). */
    name: text("name").notNull(),
    /** The label set as canonical JSON (keys sorted), so one set is one row. */
    labels: text("labels").notNull(),
    value: integer("value").notNull().default(0),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.name, t.labels] })],
);

/**
 * Counters of the service itself, not of any team (`GET /metrics`, the operator's scrape only): the cron stages that
 * failed (store/service-counters.ts). One row per counter and label set, added to with an UPSERT.
 */
export const serviceCounters = sqliteTable(
  "service_counters",
  {
    /** The counter, e.g. "cron_stage_failures" (store/service-counters.ts lists them). */
    name: text("name").notNull(),
    /** The label set as canonical JSON (keys sorted), so one set is one row. */
    labels: text("labels").notNull(),
    value: integer("value").notNull().default(0),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.name, t.labels] })],
);

/**
 * Where a team's certificate events are POSTed as Standard Webhooks (services/webhooks/). The signing secret is
 * sealed (`<id>:webhook` as associated data) and shown once, when the endpoint is created.
 */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    /** The event types delivered here (services/webhooks/events.ts). */
    events: text("events", { mode: "json" }).$type<string[]>().notNull(),
    sealedSecret: text("sealed_secret").notNull(),
    /** Set while no event is recorded or sent for this endpoint: by a PATCH, a 410 Gone, or 3 days of failures. */
    disabledAt: timestamp("disabled_at"),
    disabledReason: text("disabled_reason"),
    /** The first failure of the current run of failures (null after a success); 3 days of it disable the endpoint. */
    failingSince: timestamp("failing_since"),
    lastFailureAt: timestamp("last_failure_at"),
    lastError: text("last_error"),
    lastDeliveredAt: timestamp("last_delivered_at"),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [index("webhook_endpoints_team_idx").on(t.teamId)],
);

/**
 * A certificate event waiting to be delivered: its type and body, stored once however many endpoints take it, until
 * the last of its outbox messages is delivered or given up (services/webhooks/emit.ts). `bytes` is what it counts
 * against the team's WEBHOOK_OUTBOX_BYTES_PER_TEAM: its body and its messages' rows, as recorded.
 */
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    eventType: text("event_type").notNull(),
    /** The JSON body, exactly as signed and sent to every endpoint on every attempt. */
    payload: text("payload").notNull(),
    bytes: integer("bytes").notNull(),
    createdAt: timestamp("created_at").notNull(),
  },
  // The team's events oldest first: its budget, and which to drop first when it is spent.
  (t) => [index("webhook_events_team_idx").on(t.teamId, t.createdAt, t.id, t.bytes)],
);

/**
 * The outbox: one message per event and endpoint until it is delivered or given up. Its id is the `webhook-id` the
 * receiver sees, the same on every attempt (Standard Webhooks: "the same when the same webhook is being resent"). The
 * body is the event's (webhook_events), never a copy.
 */
export const webhookOutbox = sqliteTable(
  "webhook_outbox",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id").notNull().references(() => webhookEvents.id, { onDelete: "cascade" }),
    endpointId: text("endpoint_id").notNull().references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    teamId: text("team_id").notNull(),
    /** Attempts made so far. */
    attempts: integer("attempts").notNull().default(0),
    /** No attempt before this time (the backoff after a failure). */
    nextAttemptAt: timestamp("next_attempt_at").notNull(),
    /**
     * Held until this time: by a delivery round whose queue message is on its way, then by the attempt itself; no two
     * attempts of a message run at once, and no round takes it again meanwhile (services/webhooks/rounds.ts).
     */
    leaseUntil: timestamp("lease_until"),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [
    // A round reads only due messages, and ranks them per team from this index alone (store/webhook-outbox.ts).
    index("webhook_outbox_due_idx").on(t.nextAttemptAt, t.leaseUntil, t.teamId, t.id),
    index("webhook_outbox_endpoint_idx").on(t.endpointId),
    index("webhook_outbox_event_idx").on(t.eventId),
  ],
);

/**
 * The delivery rounds whose queue messages are not all consumed yet (services/webhooks/rounds.ts): how many of the
 * webhook queue's messages are waiting or running, whatever became of the outbox rows they name (delivered, dropped
 * for the team's budget, deleted with their endpoint). A round fills only the slots these leave free, so the queue
 * never holds more than one round's worth of attempts ahead of a new message. An entry whose messages were lost
 * stops counting at `held_until`.
 */
export const webhookRounds = sqliteTable("webhook_rounds", {
  id: text("id").primaryKey(),
  /** Its messages not yet consumed. */
  pending: integer("pending").notNull(),
  heldUntil: timestamp("held_until").notNull(),
});

/** Each delivery attempt, for `GET /api/v1/webhooks/:id/deliveries`; the newest few per endpoint are kept. */
export const webhookAttempts = sqliteTable(
  "webhook_attempts",
  {
    id: text("id").primaryKey(),
    endpointId: text("endpoint_id").notNull().references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    messageId: text("message_id").notNull(),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    attempt: integer("attempt").notNull(),
    /** delivered, retrying (failed, tried again at next_retry_at) or failed (given up, or the endpoint disabled). */
    outcome: text("outcome").notNull(),
    /** The receiver's HTTP status; null when no answer came. */
    statusCode: integer("status_code"),
    error: text("error"),
    at: timestamp("at").notNull(),
    nextRetryAt: timestamp("next_retry_at"),
  },
  (t) => [index("webhook_attempts_endpoint_idx").on(t.endpointId, t.at)],
);

/**
 * Which expiry notice (renewal/expiry-notices.ts) was last announced for a certificate, for the expiry it had then: a
 * renewed or replaced certificate has another `expires_at`, and starts over.
 */
export const certificateExpiryNotices = sqliteTable(
  "certificate_expiry_notices",
  {
    certificateId: text("certificate_id")
      .primaryKey()
      .references(() => certificates.id, { onDelete: "cascade" }),
    expiresAt: timestamp("expires_at").notNull(),
    /** 0 (seen, nothing due yet), 1…4 (that notice announced), 5 (expiry announced). */
    level: integer("level").notNull(),
    /** When the next notice falls due; null once expiry was announced. */
    nextNoticeAt: timestamp("next_notice_at"),
    updatedAt: timestamp("updated_at").notNull(),
  },
);

export type CertificateAuthorityKind = "root" | "intermediate" | "imported";
export type CertificateAuthorityStatus = "active" | "disabled";

/**
 * A team's own certificate authorities (services/private-ca/): a root made here, an intermediate under one of the
 * team's CAs, or the team's existing CA imported with its key. The key is sealed (this row's id as associated data)
 * and has no export path. The CRL it serves (`GET /pki/:caId/crl`) is kept signed here, re-signed on every revocation
 * (its cRLNumber moved in the same batch) and by the cron before `crl_next_update`.
 */
export const certificateAuthorities = sqliteTable(
  "certificate_authorities",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    kind: text("kind").$type<CertificateAuthorityKind>().notNull(),
    /** The issuing CA of an intermediate (one of the same team's); null for a root or an imported CA. */
    parentId: text("parent_id"),
    status: text("status").$type<CertificateAuthorityStatus>().notNull().default("active"),
    certificatePem: text("certificate_pem").notNull(),
    /** The CAs above this one, issuer first, up to and including the root (PEM); "" for a root. */
    chainPem: text("chain_pem").notNull().default(""),
    /** The CA's private key (PKCS#8 PEM), AES-256-GCM sealed with this row's id as associated data. Never exported. */
    sealedKey: text("sealed_key").notNull(),
    /** "EC P-256", "RSA 3072"… */
    keyDescription: text("key_description").notNull(),
    notBefore: timestamp("not_before").notNull(),
    notAfter: timestamp("not_after").notNull(),
    /** SHA-256 of the certificate's DER, lowercase hex. */
    fingerprint: text("fingerprint").notNull(),
    /** This CA's own RFC 5280 §4.2.1.10 constraints, as written in its certificate; null when none. */
    nameConstraints: text("name_constraints", { mode: "json" }).$type<Record<string, string[]>>(),
    /** Every constraint a leaf of this CA must meet: this CA's and every CA's above it, issuing CA first. */
    constraintsPath: text("constraints_path", { mode: "json" }).$type<Record<string, string[]>[]>().notNull(),
    /** The origin its public routes are served from (`<origin>/pki/<id>/crl`), fixed at creation: issued URLs never move. */
    publicOrigin: text("public_origin").notNull(),
    /** The cRLNumber of the CRL below (RFC 5280 §5.2.3): only ever moves up, with each new CRL. */
    crlNumber: integer("crl_number").notNull().default(0),
    /** The current CRL, DER as base64. */
    crlDer: text("crl_der").notNull(),
    crlThisUpdate: timestamp("crl_this_update").notNull(),
    crlNextUpdate: timestamp("crl_next_update").notNull(),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("certificate_authorities_team_name_idx").on(t.teamId, t.name),
    // GET /api/v1/cas pages newest first, as the inventory does.
    index("certificate_authorities_team_idx").on(t.teamId, t.createdAt, t.id),
    // The cron re-signs the CRLs whose nextUpdate comes near (services/private-ca/crl-refresh.ts).
    index("certificate_authorities_crl_due_idx").on(t.crlNextUpdate),
  ],
);

export type PrivateCertificateStatus = "active" | "revoked";

/** Leaf certificates a team's CA issued (`POST /api/v1/cas/:id/certificates`). */
export const privateCertificates = sqliteTable(
  "private_certificates",
  {
    id: text("id").primaryKey(),
    caId: text("ca_id").notNull().references(() => certificateAuthorities.id, { onDelete: "cascade" }),
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    /** Lowercase hex, unique per CA (RFC 5280 §4.1.2.2). */
    serial: text("serial").notNull(),
    profile: text("profile").notNull(),
    /** The names it carries: `{commonName?, dnsNames, ipAddresses, uris, emails}`. */
    names: text("names", { mode: "json" }).$type<{ commonName?: string; dnsNames: string[]; ipAddresses: string[]; uris: string[]; emails: string[] }>().notNull(),
    certificatePem: text("certificate_pem").notNull(),
    /** The issuing CA up to, not including, the root (PEM). */
    chainPem: text("chain_pem").notNull().default(""),
    /** The generated key (PKCS#8 PEM) sealed with this row's id as associated data; null when issued from a CSR. */
    sealedKey: text("sealed_key"),
    keyDescription: text("key_description").notNull(),
    fingerprint: text("fingerprint").notNull(),
    notBefore: timestamp("not_before").notNull(),
    notAfter: timestamp("not_after").notNull(),
    status: text("status").$type<PrivateCertificateStatus>().notNull().default("active"),
    revokedAt: timestamp("revoked_at"),
    revocationReason: text("revocation_reason"),
    autoRenew: integer("auto_renew", { mode: "boolean" }).notNull().default(false),
    /** Valid for at most 7 days: no CRL distribution point, never listed in a CRL, not revocable (it lapses). */
    shortLived: integer("short_lived", { mode: "boolean" }).notNull().default(false),
    /**
     * With autoRenew: when the cron renews it (renewal/policy.ts, two thirds of its lifetime), in place for a generated
     * key, or, for an egress client certificate (a client_certificates row of the same id), into its slot; null = never.
     */
    nextRenewalAt: timestamp("next_renewal_at"),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("private_certificates_ca_serial_idx").on(t.caId, t.serial),
    // GET /api/v1/cas/:id/certificates pages newest first.
    index("private_certificates_ca_idx").on(t.caId, t.createdAt, t.id),
    // A CRL lists the revoked serials not yet expired (RFC 5280 §3.3: an expired certificate may leave the CRL).
    index("private_certificates_crl_idx").on(t.caId, t.notAfter).where(sql`status = 'revoked' AND short_lived = 0`),
    // The cron's renewal of private certificates reads only the due rows (services/private-ca/auto-renew.ts).
    index("private_certificates_renewal_idx").on(t.nextRenewalAt).where(sql`next_renewal_at IS NOT NULL`),
    // The scrape's aggregates per CA and status (services/metrics/certificate-aggregates.ts), the id to leave out a
    // superseded client certificate from the index alone; and its per-certificate series, nearest expiry first, of a
    // team or of every team.
    index("private_certificates_expiry_group_idx").on(t.caId, t.status, t.notAfter, t.id),
    // Also the team's quota (PRIVATE_CERTIFICATES_PER_TEAM), which counts its rows in every issuing statement: from
    // this index, not by scanning every team's certificates (it replaces private_certificates_team_idx on team_id alone).
    index("private_certificates_team_expiry_idx").on(t.teamId, t.notAfter),
    index("private_certificates_expiry_idx").on(t.notAfter),
  ],
);

/** What signs for an ACME directory: one of the team's CAs with a leaf profile, or a public CA the order is relayed to. */
export type AcmeDirectoryIssuer =
  | { type: "private"; caId: string; profile: "server" | "client" | "server-client"; validityHours: number }
  | { type: "relay"; challengeType: "http-01" | "dns-01"; dnsConnectionId?: string; dnsDelegation?: boolean };

/** `pre-approved`: allowed names get a valid authorization at order time; `challenge`: RFC 8555 §8 validation by us. */
export type AcmeDirectoryAuthorization = "pre-approved" | "challenge";

/**
 * A team's RFC 8555 ACME server endpoint (`/acme/<id>/directory`): who signs, how identifiers are authorized and
 * which names it allows besides those the team holds. Deleting it refuses new requests; its certificates stay.
 */
export const acmeDirectories = sqliteTable(
  "acme_directories",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    issuer: text("issuer", { mode: "json" }).$type<AcmeDirectoryIssuer>().notNull(),
    authorization: text("authorization").$type<AcmeDirectoryAuthorization>().notNull(),
    /** Patterns (`*.x` = exactly one label) allowed in addition to the names the team holds. */
    allowedNames: text("allowed_names", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: timestamp("created_at").notNull(),
    deletedAt: timestamp("deleted_at"),
  },
  (t) => [
    // A name is unique among the team's directories still in use; a deleted one frees its name.
    uniqueIndex("acme_directories_team_name_idx").on(t.teamId, t.name).where(sql`deleted_at IS NULL`),
    index("acme_directories_team_idx").on(t.teamId, t.createdAt, t.id),
  ],
);

/**
 * External Account Binding keys of a directory (RFC 8555 §7.3.4): the HMAC key sealed (`<id>:acme-eab` as associated
 * data) and shown once; bound to the first account made with it, never to another; revoked keys stop their accounts.
 */
export const acmeEabKeys = sqliteTable(
  "acme_eab_keys",
  {
    id: text("id").primaryKey(),
    directoryId: text("directory_id").notNull().references(() => acmeDirectories.id, { onDelete: "cascade" }),
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    sealedHmacKey: text("sealed_hmac_key").notNull(),
    /** The account this key created (RFC 8555 §7.3.4: a key binds one account), set in the account insert's batch. */
    accountId: text("account_id"),
    createdAt: timestamp("created_at").notNull(),
    revokedAt: timestamp("revoked_at"),
  },
  (t) => [index("acme_eab_keys_directory_idx").on(t.directoryId, t.createdAt, t.id)],
);

export type AcmeServerAccountStatus = "valid" | "deactivated" | "revoked";

/** Accounts of Certdesk's ACME server (not to be confused with acme_accounts, Certdesk's own accounts at public CAs). */
export const acmeServerAccounts = sqliteTable(
  "acme_server_accounts",
  {
    id: text("id").primaryKey(),
    directoryId: text("directory_id").notNull().references(() => acmeDirectories.id, { onDelete: "cascade" }),
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    /** RFC 7638 JWK thumbprint of the account key (base64url): one account per key and directory. */
    thumbprint: text("thumbprint").notNull(),
    jwk: text("jwk", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    status: text("status").$type<AcmeServerAccountStatus>().notNull(),
    contact: text("contact", { mode: "json" }).$type<string[]>().notNull(),
    eabKeyId: text("eab_key_id").notNull(),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [uniqueIndex("acme_server_accounts_key_idx").on(t.directoryId, t.thumbprint), index("acme_server_accounts_eab_idx").on(t.eabKeyId)],
);

export type AcmeOrderStatus = "pending" | "ready" | "processing" | "valid" | "invalid";
export interface AcmeIdentifier {
  type: "dns" | "ip";
  value: string;
}

/** Orders of the ACME server (RFC 8555 §7.1.3), each the account's, in its directory and team. */
export const acmeServerOrders = sqliteTable(
  "acme_server_orders",
  {
    id: text("id").primaryKey(),
    directoryId: text("directory_id").notNull().references(() => acmeDirectories.id, { onDelete: "cascade" }),
    accountId: text("account_id").notNull().references(() => acmeServerAccounts.id, { onDelete: "cascade" }),
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    status: text("status").$type<AcmeOrderStatus>().notNull(),
    identifiers: text("identifiers", { mode: "json" }).$type<AcmeIdentifier[]>().notNull(),
    notBefore: timestamp("not_before"),
    notAfter: timestamp("not_after"),
    expiresAt: timestamp("expires_at").notNull(),
    /** The problem document (RFC 7807) that made it invalid. */
    error: text("error", { mode: "json" }).$type<Record<string, unknown>>(),
    /** The private_certificates row issued for it (private issuer). */
    certificateId: text("certificate_id"),
    /** Its serial (lowercase hex), for RFC 9773 renewalInfo look-ups by `{AKI}.{serial}`. */
    certificateSerial: text("certificate_serial"),
    /** RFC 9773 §5: the ARI certificate id this order replaces. */
    replaces: text("replaces"),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [
    index("acme_server_orders_account_idx").on(t.accountId, t.createdAt, t.id),
    index("acme_server_orders_serial_idx").on(t.directoryId, t.certificateSerial).where(sql`certificate_serial IS NOT NULL`),
    uniqueIndex("acme_server_orders_replaces_idx").on(t.directoryId, t.replaces).where(sql`replaces IS NOT NULL`),
  ],
);

export type AcmeAuthorizationStatus = "pending" | "valid" | "invalid" | "deactivated" | "expired" | "revoked";

/** Authorizations of the ACME server (RFC 8555 §7.1.4), one per identifier of an order. */
export const acmeServerAuthorizations = sqliteTable(
  "acme_server_authorizations",
  {
    id: text("id").primaryKey(),
    orderId: text("order_id").notNull().references(() => acmeServerOrders.id, { onDelete: "cascade" }),
    accountId: text("account_id").notNull(),
    directoryId: text("directory_id").notNull(),
    teamId: text("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    /** The identifier without `*.`; `wildcard` says whether the order asked for the wildcard (RFC 8555 §7.1.4). */
    identifier: text("identifier", { mode: "json" }).$type<AcmeIdentifier>().notNull(),
    wildcard: integer("wildcard", { mode: "boolean" }).notNull().default(false),
    status: text("status").$type<AcmeAuthorizationStatus>().notNull(),
    expiresAt: timestamp("expires_at").notNull(),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [index("acme_server_authorizations_order_idx").on(t.orderId)],
);

export type AcmeChallengeStatus = "pending" | "processing" | "valid" | "invalid";

/** Challenges of an authorization (RFC 8555 §7.1.5, §8): validated by the server, off the request path. */
export const acmeServerChallenges = sqliteTable(
  "acme_server_challenges",
  {
    id: text("id").primaryKey(),
    authorizationId: text("authorization_id").notNull().references(() => acmeServerAuthorizations.id, { onDelete: "cascade" }),
    type: text("type").$type<"http-01" | "dns-01">().notNull(),
    /** At least 128 bits, base64url (RFC 8555 §8.1). */
    token: text("token").notNull(),
    status: text("status").$type<AcmeChallengeStatus>().notNull(),
    validatedAt: timestamp("validated_at"),
    error: text("error", { mode: "json" }).$type<Record<string, unknown>>(),
    /** Validation attempts made so far (a few, then invalid). */
    attempts: integer("attempts").notNull().default(0),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [index("acme_server_challenges_authorization_idx").on(t.authorizationId)],
);
