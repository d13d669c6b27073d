/** What the per-resource modules share: the transport, the directory, the account key and clock. */
import type { AcmeDirectory } from "./directory";
import { AcmeProblem } from "./problem";
import type { AcmeRequestKind } from "./retry-policy";
import type { AcmeHttpResponse, AcmeTransport } from "./transport";

export interface AcmeContext {
  transport: AcmeTransport;
  directory(): Promise<AcmeDirectory>;
  keys: CryptoKeyPair;
  /** The account URL (`kid`), once known. */
  accountUrl: string | undefined;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Not an RFC type: the client was asked for something that needs an account URL before it had one. */
const NO_ACCOUNT_TYPE = "urn:certdesk:acme:error:noAccount";

/** RFC 8555 §6.2: every request after newAccount is signed with `kid` = the account URL. */
export function requireKid(ctx: AcmeContext): string {
  if (!ctx.accountUrl) {
    throw new AcmeProblem({ type: NO_ACCOUNT_TYPE, detail: "no ACME account URL: call createAccount or findAccount first" });
  }
  return ctx.accountUrl;
}

/** RFC 8555 §6.3: POST-as-GET, a signed POST with an empty payload, for every read of an account-bound resource. */
export function postAsGet(ctx: AcmeContext, url: string, accept?: string): Promise<AcmeHttpResponse> {
  return ctx.transport.post({ kind: "postAsGet", url, payload: null, keys: ctx.keys, kid: requireKid(ctx), ...(accept ? { accept } : {}) });
}

/** A signed POST with a JSON payload, under the account's `kid`. */
export function postWithKid(ctx: AcmeContext, kind: AcmeRequestKind, url: string, payload: object): Promise<AcmeHttpResponse> {
  return ctx.transport.post({ kind, url, payload, keys: ctx.keys, kid: requireKid(ctx) });
}
