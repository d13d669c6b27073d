/** AcmeClient: one account key against one CA directory; a thin façade over the per-resource modules. */
import { publicJwk, type PublicJwk } from "./account-key";
import { createAccount, findAccount, type AccountResult, type CreateAccountOptions } from "./account";
import { deactivateAuthorization, getAuthorization, respondToChallenge } from "./authorization";
import { downloadCertificate, revokeCertificate, type CertificateChain, type RevokeOptions } from "./certificate";
import type { AcmeContext } from "./context";
import { deactivateAccount } from "./deactivate";
import { directorySchema, type AcmeDirectory } from "./directory";
import { dns01TxtValue, jwkThumbprint, keyAuthorization } from "./jws";
import { changeAccountKey, type KeyChangeResult } from "./key-change";
import { finalizeOrder, getOrder, newOrder, type NewOrderOptions } from "./order";
import { pollAuthorization, pollOrder, waitForAuthorization, waitForOrder, type PollResult, type WaitOptions } from "./polling";
import { getRenewalInfo, type RenewalInfo } from "./renewal-info";
import type { AcmeAccount, AcmeAuthorization, AcmeChallenge, AcmeOrder } from "./resources";
import { AcmeTransport, parseJsonBody } from "./transport";

export interface AcmeClientOptions {
  /** The CA's directory URL (RFC 8555 §7.1.1). */
  directoryUrl: string;
  /** The account key pair (ES256, see generateAccountKey). */
  accountKey: CryptoKeyPair;
  /** The account URL when already known (stored from createAccount); otherwise createAccount/findAccount set it. */
  accountUrl?: string;
  /** Injected fetch (tests, outbound wrappers); defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Clock in ms since the epoch (polling deadlines, Retry-After dates). */
  now?: () => number;
  /** Sleep between polls and retries; injectable so tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** The most of an answer's body read (outbound/bounded-body.ts; its default when absent). */
  responseLimitBytes?: number;
  /** Per-request timeout (default 30 s). */
  requestTimeoutMs?: number;
}

/** An RFC 8555 client. Not safe for concurrent use by unrelated flows (one instance per issuance is the intent). */
export class AcmeClient {
  readonly directoryUrl: string;
  private readonly ctx: AcmeContext;
  private directoryPromise: Promise<AcmeDirectory> | undefined;

  constructor(options: AcmeClientOptions) {
    this.directoryUrl = options.directoryUrl;
    const fetchFn = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
    const now = options.now ?? (() => Date.now());
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const transport = new AcmeTransport({
      fetch: fetchFn,
      now,
      sleep,
      newNonceUrl: async () => (await this.getDirectory()).newNonce,
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      ...(options.responseLimitBytes !== undefined ? { responseLimitBytes: options.responseLimitBytes } : {}),
    });
    this.ctx = { transport, directory: () => this.getDirectory(), keys: options.accountKey, accountUrl: options.accountUrl, now, sleep };
  }

  /** The account URL (`kid`), once created or found. */
  get accountUrl(): string | undefined {
    return this.ctx.accountUrl;
  }

  /** RFC 8555 §7.1.1: the directory, fetched once per client (a failed fetch is retried on the next call). */
  getDirectory(): Promise<AcmeDirectory> {
    if (!this.directoryPromise) {
      this.directoryPromise = this.ctx.transport
        .get(this.directoryUrl, "directory")
        .then((response) => parseJsonBody(response, directorySchema, "directory"))
        .catch((error: unknown) => {
          this.directoryPromise = undefined;
          throw error;
        });
    }
    return this.directoryPromise;
  }

  /** RFC 8555 §7.3 (and §7.3.4 external account binding). Sets the client's account URL. */
  createAccount(options: CreateAccountOptions): Promise<AccountResult> {
    return createAccount(this.ctx, options);
  }

  /** RFC 8555 §7.3.1 `onlyReturnExisting`: the account URL for this key, or null. Sets the client's account URL. */
  async findAccount(): Promise<string | null> {
    return (await findAccount(this.ctx))?.accountUrl ?? null;
  }

  /** RFC 8555 §7.3.5: moves the account to `newKey` (same URL); from then on this client signs with `newKey`. */
  keyChange(newKey: CryptoKeyPair): Promise<KeyChangeResult> {
    return changeAccountKey(this.ctx, newKey);
  }

  /** RFC 8555 §7.3.6: deactivates the account for good; the CA refuses its every later request (unauthorized). */
  deactivateAccount(): Promise<AcmeAccount> {
    return deactivateAccount(this.ctx);
  }

  /** RFC 8555 §7.4. */
  newOrder(options: NewOrderOptions): Promise<AcmeOrder> {
    return newOrder(this.ctx, options);
  }

  getOrder(url: string): Promise<AcmeOrder> {
    return getOrder(this.ctx, url);
  }

  getAuthorization(url: string): Promise<AcmeAuthorization> {
    return getAuthorization(this.ctx, url);
  }

  deactivateAuthorization(url: string): Promise<AcmeAuthorization> {
    return deactivateAuthorization(this.ctx, url);
  }

  /** RFC 8555 §7.5.1: tell the CA the challenge response is in place. */
  respondToChallenge(challengeUrl: string): Promise<AcmeChallenge> {
    return respondToChallenge(this.ctx, challengeUrl);
  }

  /** One poll step (for Durable Object alarms): `attempt` picks the fallback delay when there is no Retry-After. */
  pollAuthorization(url: string, attempt = 0): Promise<PollResult<AcmeAuthorization>> {
    return pollAuthorization(this.ctx, url, attempt);
  }

  pollOrder(url: string, attempt = 0): Promise<PollResult<AcmeOrder>> {
    return pollOrder(this.ctx, url, attempt);
  }

  /** Until `valid` (throws AcmeProblem on invalid, AcmeTimeoutError at the deadline). */
  waitForAuthorization(url: string, options: WaitOptions): Promise<AcmeAuthorization> {
    return waitForAuthorization(this.ctx, url, options);
  }

  /** Until `ready` or `valid` (throws AcmeProblem on invalid, AcmeTimeoutError at the deadline). */
  waitForOrder(url: string, options: WaitOptions): Promise<AcmeOrder> {
    return waitForOrder(this.ctx, url, options);
  }

  /** RFC 8555 §7.4: submit the CSR (DER). The order moves to processing, then valid. */
  finalizeOrder(order: Pick<AcmeOrder, "url" | "finalize">, csrDer: Uint8Array | ArrayBuffer): Promise<AcmeOrder> {
    return finalizeOrder(this.ctx, order, csrDer);
  }

  /** RFC 8555 §7.4.2. */
  downloadCertificate(url: string): Promise<CertificateChain> {
    return downloadCertificate(this.ctx, url);
  }

  /** RFC 8555 §7.6. */
  revokeCertificate(certDer: Uint8Array | ArrayBuffer, reasonOrOptions?: number | RevokeOptions): Promise<void> {
    const options = typeof reasonOrOptions === "number" ? { reason: reasonOrOptions } : (reasonOrOptions ?? {});
    return revokeCertificate(this.ctx, certDer, options);
  }

  /** RFC 9773: the CA's suggested renewal window, or null when the directory offers no renewalInfo. */
  getRenewalInfo(certificate: string | Uint8Array | ArrayBuffer): Promise<RenewalInfo | null> {
    return getRenewalInfo(this.ctx, certificate);
  }

  /** RFC 8555 §8.1: token "." base64url(JWK thumbprint of the account key). */
  keyAuthorization(token: string): Promise<string> {
    return keyAuthorization(token, this.ctx.keys.publicKey);
  }

  /** RFC 8555 §8.4: the TXT value for _acme-challenge.<name>. */
  async dns01TxtValue(token: string): Promise<string> {
    return dns01TxtValue(await this.keyAuthorization(token));
  }

  /** RFC 7638 thumbprint of the account key. */
  async accountThumbprint(): Promise<string> {
    return jwkThumbprint(await this.accountJwk());
  }

  accountJwk(): Promise<PublicJwk> {
    return publicJwk(this.ctx.keys.publicKey);
  }
}
