/**
 * Every URL of one ACME directory, built and parsed in this one place from the origin the client reached, so the
 * JWS `url` check (RFC 8555 §6.4) and the `kid`s clients store (§6.2) always match what we handed out.
 */
export const ACME_PATH = "/acme";

export class AcmeLinker {
  readonly base: string;

  constructor(
    readonly origin: string,
    readonly directoryId: string,
  ) {
    this.base = `${origin}${ACME_PATH}/${directoryId}`;
  }

  directory = () => `${this.base}/directory`;
  newNonce = () => `${this.base}/new-nonce`;
  newAccount = () => `${this.base}/new-account`;
  newOrder = () => `${this.base}/new-order`;
  revokeCert = () => `${this.base}/revoke-cert`;
  keyChange = () => `${this.base}/key-change`;
  // RFC 9773 §4.1: clients append "/<certID>" themselves, so no trailing slash.
  renewalInfo = () => `${this.base}/renewal-info`;
  account = (id: string) => `${this.base}/acct/${id}`;
  orders = (accountId: string) => `${this.base}/acct/${accountId}/orders`;
  order = (id: string) => `${this.base}/order/${id}`;
  finalize = (orderId: string) => `${this.base}/order/${orderId}/finalize`;
  authorization = (id: string) => `${this.base}/authz/${id}`;
  challenge = (id: string) => `${this.base}/chall/${id}`;
  certificate = (orderId: string) => `${this.base}/cert/${orderId}`;

  /** The account id a `kid` names, or null when it is not one of this directory's account URLs. */
  accountIdOf(kid: string): string | null {
    const prefix = `${this.base}/acct/`;
    if (!kid.startsWith(prefix)) return null;
    const id = kid.slice(prefix.length);
    return /^[A-Za-z0-9_]{1,64}$/.test(id) ? id : null;
  }
}
