/** What makes a well-formed certificate unacceptable (errors) or worth a second look (warnings). */
import type { ErrorCode } from "../core/errors";
import type { CertificateInfo } from "./certificate";
import type { Chain } from "./chain";
import { expiryWarningDays, expiryWindowMs, isExpiringSoon } from "./expiry";
import { oid, weakHashes } from "./oids";
import { DAY_MS, isoSeconds } from "../core/time";

export type Purpose = "serverAuth" | "clientAuth";

export interface PolicyFinding {
  message: string;
  code: ErrorCode;
}

export interface PolicyInput {
  chain: Chain;
  purpose: Purpose;
  now: Date;
  /** True when CA certificates were given (the `ca` field): a client certificate must chain to one. */
  caGiven: boolean;
}

export interface PolicyResult {
  /** In priority order: the first one is the report's error. */
  errors: PolicyFinding[];
  warnings: string[];
}

/** RSA moduli below this are refused (NIST SP 800-131A; CA/Browser Forum BR §6.1.5). */
const minimumRsaBits = 2048;
const keyCertSign = 32;

function label(info: CertificateInfo, isLeaf: boolean): string {
  return isLeaf ? "Certificate" : `CA certificate "${info.subject}"`;
}

/** RFC 5280 §4.1.2.5: a certificate is valid from notBefore through notAfter, both inclusive. */
function dateErrors(info: CertificateInfo, isLeaf: boolean, now: Date): PolicyFinding[] {
  if (now.getTime() > info.notAfter.getTime()) {
    return [{ code: "invalid_certificate", message: `${label(info, isLeaf)} expired on ${isoSeconds(info.notAfter)}` }];
  }
  if (now.getTime() < info.notBefore.getTime()) {
    return [{ code: "invalid_certificate", message: `${label(info, isLeaf)} is not valid until ${isoSeconds(info.notBefore)}` }];
  }
  return [];
}

/** Weak keys anywhere on the path; weak signature hashes except on a self-signed top, whose signature no one relies on. */
function strengthErrors(chain: Chain): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  chain.path.forEach(({ info }, index) => {
    const isLeaf = index === 0;
    const isSelfSignedTop = index === chain.path.length - 1 && chain.end.kind === "self-signed";
    if (info.publicKey.kty === "RSA" && info.publicKey.bits < minimumRsaBits) {
      const what = isLeaf ? `Certificate key is ${info.keyType}` : `CA certificate "${info.subject}" has an ${info.keyType} key`;
      findings.push({ code: "invalid_certificate", message: `${what}; RSA keys must be at least ${minimumRsaBits} bits` });
    }
    if (!isSelfSignedTop && info.signatureHash && weakHashes.has(info.signatureHash)) {
      findings.push({
        code: "invalid_certificate",
        message: `${label(info, isLeaf)} is signed with ${info.signatureHash}, which is no longer accepted`,
      });
    }
  });
  return findings;
}

/** RFC 5280 §4.2.1.9 (cA) and §4.2.1.3 (keyCertSign): an issuer on the path must be allowed to issue. */
function issuerErrors(chain: Chain, now: Date): PolicyFinding[] {
  return chain.path.slice(1).flatMap(({ info }) => {
    const findings = dateErrors(info, false, now);
    if (info.isCa === false) {
      findings.push({ code: "invalid_certificate", message: `CA certificate "${info.subject}" is not a CA (basicConstraints cA is false)` });
    } else if (info.keyUsage !== null && (info.keyUsage & keyCertSign) === 0) {
      findings.push({ code: "invalid_certificate", message: `CA certificate "${info.subject}" may not sign certificates (keyUsage lacks keyCertSign)` });
    }
    return findings;
  });
}

/** RFC 5280 §4.2.1.12: an EKU extension restricts the purposes; anyExtendedKeyUsage allows all. */
function allows(info: CertificateInfo, purposeOid: string): boolean | null {
  if (info.extendedKeyUsage === null) return null;
  return info.extendedKeyUsage.includes(purposeOid) || info.extendedKeyUsage.includes(oid.anyExtendedKeyUsage);
}

/** A leaf inside its "expiring soon" window (see expiry.ts); an expired one is already an error. */
function expiryWarning(leaf: CertificateInfo, now: Date): string[] {
  const issuedAt = leaf.notBefore.getTime();
  const expiresAt = leaf.notAfter.getTime();
  if (now.getTime() > expiresAt || !isExpiringSoon(issuedAt, expiresAt, now.getTime())) return [];
  const on = isoSeconds(leaf.notAfter);
  return expiryWindowMs(issuedAt, expiresAt) < expiryWarningDays * DAY_MS
    ? [`Certificate is in the last third of its lifetime (expires on ${on})`]
    : [`Certificate expires within ${expiryWarningDays} days (on ${on})`];
}

function chainWarnings(chain: Chain): string[] {
  const warnings: string[] = [];
  const leaf = chain.path[0]!.info;
  if (chain.end.kind === "self-signed" && chain.path.length === 1) warnings.push("Certificate is self-signed");
  // Servers send the leaf and its intermediates but not the root (clients hold roots), so a chain
  // ending at an intermediate is complete as sent; a lone leaf from a CA is what breaks clients.
  if (chain.end.kind === "incomplete" && chain.path.length === 1) {
    warnings.push(`Incomplete chain: the issuer of this certificate ("${leaf.issuer}") was not provided`);
  }
  if (chain.ignored.length > 0) {
    const names = chain.ignored.map((info) => `"${info.subject}"`).join(", ");
    warnings.push(`Ignored ${chain.ignored.length} certificate(s) that are not part of the chain: ${names}`);
  }
  return warnings;
}

/** Applies the policy to a built chain. Pure: the clock comes in as `now`. */
export function evaluatePolicy({ chain, purpose, now, caGiven }: PolicyInput): PolicyResult {
  const leaf = chain.path[0]!.info;
  const errors: PolicyFinding[] = [...dateErrors(leaf, true, now), ...strengthErrors(chain)];
  if (chain.end.kind === "broken") {
    const { child, issuer } = chain.end;
    errors.push({
      code: "invalid_certificate",
      message:
        child === issuer
          ? `The self-signature of "${child.subject}" does not verify`
          : `Certificate chain is broken: the signature of "${child.subject}" does not verify with the key of "${issuer.subject}"`,
    });
  }
  errors.push(...issuerErrors(chain, now));

  const warnings = [...chainWarnings(chain), ...expiryWarning(leaf, now)];
  if (purpose === "serverAuth" && allows(leaf, oid.serverAuth) === false) {
    warnings.push("Certificate does not allow server authentication (no serverAuth extended key usage)");
  }
  if (purpose === "clientAuth") {
    if (allows(leaf, oid.clientAuth) !== true) {
      errors.push({
        code: "invalid_certificate",
        message: "Certificate does not allow client authentication (no clientAuth extended key usage)",
      });
    }
    if (caGiven && !chain.path.slice(1).some((link) => link.inCa)) {
      errors.push({ code: "invalid_certificate", message: "Certificate is not signed by the given CA" });
    }
  }
  return { errors, warnings };
}
