/**
 * CNAME-delegated DNS-01. A CA looks the validation TXT up at `_acme-challenge.<name>` and follows CNAMEs there
 * (RFC 8555 §8.4; Let's Encrypt: https://letsencrypt.org/docs/challenge-types/#dns-01-challenge), so a customer who
 * adds `_acme-challenge.<domain> CNAME <label>.<operator zone>` once lets every later challenge be answered by a TXT
 * record in the operator's own zone, written with the operator's credentials (ACME_DELEGATION_* in core/config.ts).
 *
 * The label depends on the team and the base domain only (never the project): an apex and its wildcard share one
 * `_acme-challenge` name, so they share one label. It is a hash, so it tells nothing about the domain or the team.
 */
import type { Config, DelegationConfig } from "../core/config";
import { AppError } from "../core/errors";
import { utf8 } from "../crypto/encoding";
import { dohQuery, RR_TYPE } from "./doh";
import { challengeRecordName } from "./names";

/** RFC 4648 §6 base32, in lower case (DNS names are case-insensitive; lower case is how they are shown). */
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
/** 26 base32 characters: 130 bits of the SHA-256, well within a 63-octet DNS label (RFC 1035 §2.3.4). */
export const DELEGATION_LABEL_LENGTH = 26;

function base32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** `domain` without a leading `*.` or trailing dot, lower-cased: the name its `_acme-challenge` record belongs to. */
export function delegationBaseDomain(domain: string): string {
  return domain.trim().toLowerCase().replace(/\.$/, "").replace(/^\*\./, "");
}

/** The stable label for `domain` in `teamId`: base32(SHA-256("delegation:<team>:<base domain>")), 26 characters. */
export async function delegationLabel(teamId: string, domain: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", utf8.encode(`delegation:${teamId}:${delegationBaseDomain(domain)}`));
  return base32(new Uint8Array(digest)).slice(0, DELEGATION_LABEL_LENGTH);
}

/** The record the customer creates once: `_acme-challenge.<base domain> CNAME <label>.<zone>`. */
export interface DelegationRecord {
  recordName: string;
  recordType: "CNAME";
  /** The delegation target, where the TXT values are written. */
  recordValue: string;
}

export async function delegationRecord(teamId: string, domain: string, zone: string): Promise<DelegationRecord> {
  return {
    recordName: challengeRecordName(domain),
    recordType: "CNAME",
    recordValue: `${await delegationLabel(teamId, domain)}.${zone.toLowerCase().replace(/\.$/, "")}`,
  };
}

export type DelegationStatus = "pending" | "active" | "wrong_target";

export interface DelegationCheck {
  status: DelegationStatus;
  /** The CNAME target found at the record name (without its trailing dot), or null when there is none. */
  found: string | null;
}

export interface DelegationCheckOptions {
  resolverUrl: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  responseLimitBytes?: number;
}

function bare(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, "");
}

/**
 * Asks the DoH resolver for the CNAME at `record.recordName`: "active" when it points at `record.recordValue`,
 * "wrong_target" when it points elsewhere, "pending" when there is none. Throws when the resolver does not answer.
 */
export async function checkDelegation(record: DelegationRecord, options: DelegationCheckOptions): Promise<DelegationCheck> {
  const result = await dohQuery(record.recordName, "CNAME", {
    resolverUrl: options.resolverUrl,
    fetch: options.fetch,
    timeoutMs: options.timeoutMs ?? 10_000,
    responseLimitBytes: options.responseLimitBytes,
  });
  const own = bare(record.recordName);
  // The CNAME owned by the record name itself; a resolver may list further links of a chain after it.
  const cname = result.answers.find((a) => a.type === RR_TYPE.CNAME && (a.name === undefined || bare(a.name) === own));
  if (!cname) return { status: "pending", found: null };
  const found = bare(cname.data);
  return { status: found === bare(record.recordValue) ? "active" : "wrong_target", found };
}

/** The 400 for a delegation that is not in place, naming the exact record to create. */
export function delegationRefusal(record: DelegationRecord, check: DelegationCheck): AppError {
  const what = check.status === "wrong_target" ? `it points to ${check.found}` : "there is none";
  return new AppError(
    "validation_failed",
    `DNS delegation is not in place for ${record.recordName}: create the record \`${record.recordName}. CNAME ${record.recordValue}.\` at the domain's DNS host (${what}); no order was placed`,
    { param: "dnsDelegation", retryable: false },
  );
}

/** The deployment's delegation settings, or the 400 saying delegation is unavailable here. */
export function delegationConfig(config: Pick<Config, "ACME_DELEGATION">): DelegationConfig {
  if (config.ACME_DELEGATION) return config.ACME_DELEGATION;
  throw new AppError("validation_failed", "DNS delegation is not available on this deployment (ACME_DELEGATION_ZONE is not set)", {
    param: "dnsDelegation",
    retryable: false,
  });
}
