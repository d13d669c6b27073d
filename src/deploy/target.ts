/**
 * The deploy-target contract: put one certificate, its chain and its private key where TLS terminates (a CDN's
 * custom hostname, a zone's custom certificate, a certificate store, a team's own HTTPS endpoint), replacing what the
 * same target received last time. Failures are AppError("deploy_target_error") naming the target, never a credential.
 */

/** What is deployed: the certificate as stored, with its private key opened for this one delivery. */
export interface DeployBundle {
  /** The certificate's id in this service (stable across renewals). */
  readonly certificateId: string;
  /** The names the leaf covers, primary first. */
  readonly names: readonly string[];
  /** The leaf's serial number, hex: what "deployed" is measured by. */
  readonly serial: string;
  /** SHA-256 of the leaf's DER, hex. */
  readonly fingerprint: string;
  /** e.g. "EC-P256", "RSA-2048". */
  readonly keyType: string;
  /** Milliseconds since the epoch: the leaf's notBefore and notAfter. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** The leaf alone (PEM). */
  readonly certificatePem: string;
  /** The intermediates, leaf to root (PEM); may be empty. */
  readonly chainPem: string;
  /** The private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
  readonly privateKeyPem: string;
}

/** What the target remembered from its last successful delivery. */
export interface DeployPrevious {
  /**
   * The provider's id for what was delivered last time (custom hostname id, custom certificate id, ACM ARN), so a
   * renewal replaces it in place; null before the first delivery.
   */
  readonly remoteId: string | null;
}

/** One delivery attempt's identity, the same for every retry of the same certificate to the same target. */
export interface DeployAttempt {
  /** Stable per (target, serial): a receiver can use it to drop duplicates (Standard Webhooks' `webhook-id`). */
  readonly deliveryId: string;
  /** The target's id in this service. */
  readonly targetId: string;
}

export interface DeployResult {
  /** The provider's id for what now holds the certificate; kept for the next delivery (see DeployPrevious). */
  readonly remoteId: string;
}

/** One configured target, built from its settings and its credentials. */
export interface DeployTarget {
  /** The registry name of its kind. */
  readonly kind: string;
  deploy(bundle: DeployBundle, previous: DeployPrevious, attempt: DeployAttempt): Promise<DeployResult>;
}

export interface DeployTargetOptions {
  /** The fetch used for every call (tests pass a fake of the provider's API). */
  fetch?: typeof fetch;
  /** Overrides the provider's API origin (the operator's DEPLOY_API_BASE_URLS); the API's path is kept. */
  baseUrl?: string;
  /** Per-call timeout in milliseconds (default 15 s). */
  timeoutMs?: number;
  /** The most of an answer's body read (OUTBOUND_RESPONSE_MAX_KIB; outbound/bounded-body.ts's default when absent). */
  responseLimitBytes?: number;
  /**
   * The private key this delivery sends (its bundle's): scrubbed, in every form, from anything the provider says back,
   * before a message is cut to length (outbound/secret-redaction.ts).
   */
  deliveredKeyPem?: string;
  /** The clock for signatures (SigV4 dates, webhook timestamps); milliseconds since the epoch. */
  now?: () => number;
  /**
   * Local runs only (CERTDESK_ENV development or test): an HTTPS push may go to http:// and to loopback addresses,
   * where the tests' receivers listen. Never set in production.
   */
  allowInsecurePush?: boolean;
  /**
   * The DNS-over-HTTPS resolver (DOH_RESOLVER_URL) an HTTPS push's host name is resolved with before each delivery,
   * every address checked (dns/resolve-host.ts); absent, only the URL as written is checked.
   */
  resolverUrl?: string;
}
