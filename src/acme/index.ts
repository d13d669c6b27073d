/** RFC 8555 ACME client (plumbing): fetch injected, WebCrypto only, no storage. See client.ts for the entry point. */
export { AcmeClient, type AcmeClientOptions } from "./client";
export { generateAccountKey, exportAccountKey, importAccountKey, type PublicJwk } from "./account-key";
export type { AccountResult, CreateAccountOptions } from "./account";
export type { KeyChangeResult } from "./key-change";
export type { ExternalAccountBinding } from "./eab";
export type { NewOrderOptions } from "./order";
export type { PollResult, WaitOptions } from "./polling";
export { authorizationProblem } from "./polling";
export { REVOCATION_REASONS, type CertificateChain, type RevokeOptions } from "./certificate";
export { ariCertificateId } from "./certificate-id";
export type { RenewalInfo } from "./renewal-info";
export { RETRY_POLICY } from "./retry-policy";
export type { AcmeDirectory } from "./directory";
export type { AcmeAccount, AcmeAuthorization, AcmeChallenge, AcmeIdentifier, AcmeOrder, ResourceMeta } from "./resources";
export {
  AcmeProblem,
  AcmeMalformedResponseError,
  AcmeNetworkError,
  AcmeTimeoutError,
  isAcmeProblem,
  isAcmeNetworkError,
  isUnanswered,
  type AcmeSubproblem,
} from "./problem";
