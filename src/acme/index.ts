/** RFC 8555 ACME client (plumbing): fetch injected, WebCrypto only, no storage. See client.ts for the entry point. */
export { AcmeClient, type AcmeClientOptions } from "./client";
export { generateAccountKey, exportAccountKey, importAccountKey, publicJwk, type PublicJwk } from "./account-key";
export type { AccountResult, CreateAccountOptions } from "./account";
export type { ExternalAccountBinding } from "./eab";
export type { NewOrderOptions } from "./order";
export { toIdentifier } from "./order";
export type { PollResult, WaitOptions } from "./polling";
export { authorizationProblem, orderProblem, UNEXPECTED_STATUS_TYPE } from "./polling";
export { PEM_CHAIN_TYPE, REVOCATION_REASONS, type CertificateChain, type RevokeOptions } from "./certificate";
export { ariCertificateId, ariIdentifierFromParts, pickRenewalTime, type RenewalInfo } from "./renewal-info";
export { dns01TxtValue, jwkThumbprint, keyAuthorization, signJws, type FlattenedJws } from "./jws";
export { parseRetryAfter } from "./retry-after";
export { parseLinkHeader, linksWithRel, type Link } from "./link-header";
export { RETRY_POLICY } from "./retry-policy";
export { NO_ACCOUNT_TYPE } from "./context";
export type { AcmeDirectory } from "./directory";
export type { AcmeAccount, AcmeAuthorization, AcmeChallenge, AcmeIdentifier, AcmeOrder, ResourceMeta } from "./resources";
export {
  ACME_ERROR_NAMESPACE,
  MALFORMED_RESPONSE_TYPE,
  TIMEOUT_TYPE,
  AcmeProblem,
  AcmeMalformedResponseError,
  AcmeNetworkError,
  AcmeTimeoutError,
  isAcmeProblem,
  isAcmeNetworkError,
  type AcmeSubproblem,
} from "./problem";
