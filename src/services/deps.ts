/** What the services need: issuance's dependencies, the per-certificate issuers and a clock. */
import type { Clock } from "../core/time";
import type { IssuanceDeps } from "../issuance/deps";
import type { CertificateIssuerRpc } from "../issuance/issue-request";

export interface Deps extends IssuanceDeps {
  /** The Durable Object that serializes every obtain, renew and revoke of one certificate (see issuerName). */
  issuer(name: string): CertificateIssuerRpc;
  clock: Clock;
}
