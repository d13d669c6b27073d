/** Every retry, repeat and poll interval of the ACME client and of issuance over it, in one table (renewals: renewal/backoff). */

/** Every request this client sends, by what it does at the CA. */
export type AcmeRequestKind =
  | "directory"
  | "newNonce"
  | "renewalInfo"
  | "postAsGet"
  | "newAccount"
  | "newOrder"
  | "challenge"
  | "finalize"
  | "deactivate"
  | "keyChange"
  | "deactivateAccount"
  | "revokeCert";

/**
 * Every request is sent again after its answer was lost (the connection broke, the request timed out, or the CA
 * answered 5xx): this is why that is safe for each kind, or what it costs. A repeat always signs a fresh nonce
 * (the first may have been spent, RFC 8555 §6.5), and a broken connection leaves the pool, so the repeat goes
 * over another. "Read back": the repeat may find that the first attempt took effect; the CA's refusal then
 * carries `afterLostAnswer` and the caller reads the resource's state instead of failing.
 */
export const REPEAT_AFTER_LOST_ANSWER: Record<AcmeRequestKind, string> = {
  directory: "a GET (RFC 9110 §9.2.2: safe and idempotent)",
  newNonce: "a HEAD (RFC 8555 §7.2); every answer is just another nonce",
  renewalInfo: "a GET (RFC 9773 §4.2)",
  postAsGet: "RFC 8555 §6.3: POST-as-GET reads a resource exactly as a GET would",
  newAccount: "RFC 8555 §7.3.1: the same key finds the same account (200 instead of 201)",
  newOrder:
    "not idempotent: a lost answer can leave one order nobody answers, and RFC 8555 gives no way to find it " +
    "(Let's Encrypt lists no account orders). It stays pending and expires, costing one order of the account's " +
    "new-order limit and no failed validation; giving up would cost the whole issuance",
  challenge: "RFC 8555 §7.5.1: answering twice cannot validate twice; read back the challenge when the CA refuses the repeat",
  finalize: "RFC 8555 §7.4: a finalize the CA already took makes the repeat fail with orderNotReady; read back the order",
  deactivate: "RFC 8555 §7.5.2: the result, status deactivated, is the same however often it is asked",
  keyChange:
    "RFC 8555 §7.3.5: not idempotent. The inner JWS carries no nonce, so the repeat sends it unchanged, but a change " +
    "the CA already made leaves the repeat's outer JWS signed by a key the account no longer has, and the CA refuses " +
    "it. keyChange then asks the CA with the new key (newAccount onlyReturnExisting, RFC 8555 §7.3.1): the account's " +
    "own URL back means the change took effect",
  deactivateAccount:
    "RFC 8555 §7.3.6: a deactivation the CA already made is refused with unauthorized, as is every request from a " +
    "deactivated account; deactivateAccount takes that refusal of the repeat as done",
  revokeCert: "RFC 8555 §7.6: a repeat answers alreadyRevoked, which the caller takes as done",
};

export const RETRY_POLICY = {
  /**
   * RFC 8555 §6.5: a `badNonce` error carries a fresh nonce; retry the same request with it, this many times.
   * Cheap (no wait, the CA did nothing) and 10 keeps a run against a CA rejecting half of all nonces
   * (Pebble's PEBBLE_WFE_NONCEREJECT=50) reliable: 0.5^11 ≈ 1/2000 per request.
   */
  badNonceRetries: 10,
  /**
   * Waits before each repeat of a request whose answer was lost (see REPEAT_AFTER_LOST_ANSWER). About 8 s in all:
   * long enough for a CA that restarts, and for every stale pooled connection to it to fail once and be dropped;
   * short enough that a CA that is really down is reported within one HTTP request's wait. Longer outages are
   * the renewal schedule's business (renewal/backoff).
   */
  transientBackoffMs: [250, 500, 1000, 2000, 4000] as readonly number[],
  /** Each HTTP request to the CA gives up after this long and counts as a lost answer. */
  requestTimeoutMs: 30_000,
  /**
   * Poll intervals when the CA sends no Retry-After (RFC 8555 §7.5.1 leaves it to the client); the last repeats.
   * A CA often validates within a few hundred milliseconds, so the first looks come soon; a CA that wants
   * fewer polls says so with Retry-After, which always wins.
   */
  pollScheduleMs: [150, 300, 600, 1000, 2000, 3000, 5000, 10_000] as readonly number[],
  /** Longer Retry-After values on a pending resource are capped to this (a CA typo must not park an order for days). */
  maxPollDelayMs: 10 * 60_000,

  // Issuance (src/issuance), the flow over this client.
  /**
   * RFC 8555 §7.4: after finalize the order goes processing → valid; one still shown `ready` (the CA has not
   * taken the finalize in yet) is read again this often, until valid or the job's deadline.
   */
  readyAfterFinalizePollMs: 500,
  /**
   * RFC 8555 §7.3.1: `accountDoesNotExist` for the stored account (deactivated, or a test CA restarted): forget it,
   * create a new one and run the job again, this many times per job.
   */
  accountRecreations: 1,
  /** RFC 8555 §6.6: a `rateLimited` problem without Retry-After is retried after this long (renewal's first backoff step). */
  rateLimitedRetryAfterSeconds: 3600,
  /**
   * DNS-01 (RFC 8555 §8.4): the TXT record is looked up over DoH this often, for at most this long, before the
   * challenge is answered; a validation that fails because the record was not yet visible counts against the
   * CA's failed-authorization limit.
   */
  dnsPropagationIntervalMs: 2_000,
  dnsPropagationTimeoutMs: 120_000,
  /**
   * A DNS provider's throttling (Route 53: HTTP 400 `Throttling` or `PriorRequestNotComplete`, "wait, in intervals
   * of increasing duration", https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/throttling-api-requests.html;
   * HTTP 429 elsewhere, RFC 6585 §4): the refused request did nothing, so it is sent again after each of these
   * waits, or after the Retry-After the provider gives (RFC 9110 §10.2.3). Then the throttling is reported.
   */
  dnsThrottleBackoffMs: [1_000, 2_000, 4_000, 8_000] as readonly number[],
  /** A provider asking for a longer wait than this is not waited for: the throttling is reported with its Retry-After. */
  dnsThrottleMaxWaitMs: 30_000,
  /**
   * A provider change accepted but not yet on every authoritative server (Route 53 `PENDING` until `INSYNC`,
   * Cloud DNS `pending` until `done`) is read again this often, within the DoH check's budget above.
   */
  dnsChangePollMs: 2_000,
  /** A job whose Durable Object was evicted mid-way is started again from the top this long after its budget ran out. */
  evictedJobRestartGraceMs: 30_000,
} as const;
