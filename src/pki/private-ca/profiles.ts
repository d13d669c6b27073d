/** Leaf certificate profiles: which extendedKeyUsage each one sets, and which ones a CA's own EKU allows. */
import { AppError } from "../../core/errors";
import { oid } from "../oids";
import { x509 } from "../x509-setup";

export type LeafProfile = "server" | "client" | "server-client";
export const LEAF_PROFILES: readonly LeafProfile[] = ["server", "client", "server-client"];

/** The EKU purposes of each profile (RFC 5280 §4.2.1.12: id-kp-serverAuth, id-kp-clientAuth). */
export function profileExtendedKeyUsages(profile: LeafProfile): string[] {
  switch (profile) {
    case "server":
      return [oid.serverAuth];
    case "client":
      return [oid.clientAuth];
    case "server-client":
      return [oid.serverAuth, oid.clientAuth];
    default:
      throw new AppError("validation_failed", `Unknown certificate profile "${String(profile)}": use one of ${LEAF_PROFILES.join(", ")}`, {
        param: "profile",
      });
  }
}

const purposeNames: Record<string, string> = { [oid.serverAuth]: "serverAuth", [oid.clientAuth]: "clientAuth" };

/**
 * A CA certificate's extendedKeyUsage constrains what it may sign (the CA/B BR §7.1.2.2 practice, and how browsers
 * and OpenSSL treat EKU in CA certificates): a profile needing a purpose the CA's EKU lacks is refused. No EKU on the
 * CA, or anyExtendedKeyUsage in it, allows every profile.
 */
export function assertProfileAllowedBy(ca: x509.X509Certificate, profile: LeafProfile): void {
  const needed = profileExtendedKeyUsages(profile);
  const extension = ca.getExtension(x509.ExtendedKeyUsageExtension);
  if (!extension) return;
  const allowed = extension.usages.map(String);
  if (allowed.includes(oid.anyExtendedKeyUsage)) return;
  const missing = needed.filter((purpose) => !allowed.includes(purpose));
  if (missing.length > 0) {
    const names = missing.map((purpose) => purposeNames[purpose] ?? purpose).join(", ");
    throw new AppError("validation_failed", `The CA's extendedKeyUsage does not allow ${names}, so it cannot issue "${profile}" certificates`, {
      param: "profile",
    });
  }
}
