/** The revocation reasons a subscriber may give: the RFC 5280 §5.3.1 CRLReason codes ACME takes, less those only a CA may assert. */
import { REVOCATION_REASONS } from "../../acme";

/** In the order the API documents them; the codes come from the ACME client's table. */
const SUBSCRIBER_REASONS = ["unspecified", "keyCompromise", "affiliationChanged", "superseded", "cessationOfOperation"] as const;

export type SubscriberRevocationReason = (typeof SUBSCRIBER_REASONS)[number];

/** The reasons by name, for a request schema's enum. */
export const subscriberRevocationReasons: readonly [SubscriberRevocationReason, ...SubscriberRevocationReason[]] = SUBSCRIBER_REASONS;

/** RFC 8555 §7.6 `reason`: the CRLReason code of `reason`. */
export function revocationCode(reason: SubscriberRevocationReason): number {
  return REVOCATION_REASONS[reason];
}
