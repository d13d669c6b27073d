/**
 * Verified claims (DOMAIN_VERIFICATION=required): a team holds a project's domain only once a TXT record at
 * `_certdesk.<domain>` carries its token, the way ACME's dns-01 proves control of a name (RFC 8555 §8.4). Until then
 * the project has the domain but the team does not hold it, so nothing is obtained or uploaded for it. The claim is
 * written by the same single statement as before (store/domain-claims.ts claimDomainStatement), so of two teams that
 * both publish their tokens exactly one ends up holding the name.
 */
import { AppError } from "../core/errors";
import type { Database } from "../db/client";
import { checkDelegation, type DelegationCheck, type DelegationRecord, delegationRecord } from "../dns/delegation";
import { dohQuery, NXDOMAIN, RR_TYPE } from "../dns/doh";
import { unquoteTxt } from "../dns/txt";
import { responseLimitOf } from "../outbound/bounded-body";
import { auditInsert } from "../store/audit-log";
import { claimDomainStatement, claimHolderQuery, teamClaims } from "../store/domain-claims";
import { stopRenewalsOfReleasedNamesStatement } from "../store/released-names";
import {
  duePendingVerifications,
  markCheckedStatement,
  newVerificationToken,
  pendingVerificationStatement,
  revokeClaimStatements,
  teamHolds,
  verificationState,
} from "../store/domain-verifications";
import type { CommitChange } from "./change";
import type { Deps } from "./deps";

export type VerificationStatus = "pending" | "verified" | "conflict";

/** What the API shows about a project's domain. */
export interface VerificationView {
  status: VerificationStatus;
  method: "txt";
  recordName: string;
  recordValue?: string;
  checkedAt?: string;
  message?: string;
}

/** Where the token goes: `_certdesk.<domain>`, for a wildcard `*.x` the record of `x`. */
export function verificationRecordName(domain: string): string {
  return `_certdesk.${domain.startsWith("*.") ? domain.slice(2) : domain}`;
}

export const verificationRecordValue = (token: string) => `certdesk-verification=${token}`;

/** How many pending verifications one cron tick looks up. */
export const VERIFICATIONS_PER_TICK = 50;

/** Each DNS-over-HTTPS lookup's time limit. */
const LOOKUP_MS = 5_000;

const CONFLICT_MESSAGE = "Another team verified this domain first; it cannot be verified for this team while that team holds it";

function viewOf(domain: string, status: VerificationStatus, token: string | null, checkedAt: number | null, message?: string): VerificationView {
  return {
    status,
    method: "txt",
    recordName: verificationRecordName(domain),
    ...(token === null ? {} : { recordValue: verificationRecordValue(token) }),
    ...(checkedAt === null ? {} : { checkedAt: new Date(checkedAt).toISOString() }),
    ...(message === undefined ? {} : { message }),
  };
}

/** The verification of `domain` for the team, as the API shows it (one D1 read; none when verification is off). */
export async function domainVerification(deps: Pick<Deps, "db" | "config">, teamId: string, domain: string): Promise<VerificationView> {
  if (deps.config.DOMAIN_VERIFICATION === "off") return viewOf(domain, "verified", null, null);
  const state = await verificationState(deps.db, teamId, domain);
  if (state.held) return viewOf(domain, "verified", state.token, state.checkedAt);
  if (state.taken) return viewOf(domain, "conflict", state.token, state.checkedAt, CONFLICT_MESSAGE);
  if (state.token === null) {
    return viewOf(domain, "pending", null, null, "No verification token yet: call POST /api/v1/projects/{id}/domain/verify to get the record to publish");
  }
  return viewOf(domain, "pending", state.token, state.checkedAt, `Publish a TXT record at ${verificationRecordName(domain)} with the value ${verificationRecordValue(state.token)}, then call verify`);
}

/** The pending verification row a project's new domain needs (none when the team holds the name already). */
export function pendingVerificationFor(db: Database, teamId: string, domain: string, now: number) {
  return pendingVerificationStatement(db, teamId, domain, newVerificationToken(), now);
}

/** What the TXT lookup found: whether the token is there, and the values seen (for the message). */
async function lookUpToken(deps: Pick<Deps, "config" | "dnsFetch">, domain: string, token: string): Promise<{ found: boolean; seen: string[]; nxdomain: boolean }> {
  const resolverUrl = deps.config.DOH_RESOLVER_URL;
  const result = await dohQuery(verificationRecordName(domain), "TXT", {
    resolverUrl,
    timeoutMs: LOOKUP_MS,
    responseLimitBytes: responseLimitOf(deps.config),
    ...(deps.dnsFetch ? { fetch: deps.dnsFetch } : {}),
  });
  const seen = result.answers.filter((record) => record.type === RR_TYPE.TXT).map((record) => unquoteTxt(record.data));
  return { found: seen.includes(verificationRecordValue(token)), seen, nxdomain: result.status === NXDOMAIN };
}

/**
 * The name's DNS delegation, when the deployment offers it (ACME_DELEGATION_ZONE): the `_acme-challenge` CNAME the
 * customer points at the team's label (RFC 8555 §8.4). One in place proves control of the name as the TXT record
 * does (the customer's DNS says so), so it verifies the name too. Null when delegation is not configured.
 */
async function lookUpDelegation(deps: Pick<Deps, "config" | "dnsFetch">, teamId: string, domain: string): Promise<{ record: DelegationRecord; check: DelegationCheck } | null> {
  const delegation = deps.config.ACME_DELEGATION;
  if (!delegation || deps.config.DOH_RESOLVER_URL === "none") return null;
  const record = await delegationRecord(teamId, domain, delegation.zone);
  const check = await checkDelegation(record, {
    resolverUrl: deps.config.DOH_RESOLVER_URL,
    timeoutMs: LOOKUP_MS,
    responseLimitBytes: responseLimitOf(deps.config),
    ...(deps.dnsFetch ? { fetch: deps.dnsFetch } : {}),
  });
  return { record, check };
}

/** Whether the name's delegation CNAME is in place (false when delegation is off or the lookup fails). */
async function delegationInPlace(deps: Pick<Deps, "config" | "dnsFetch">, teamId: string, domain: string): Promise<DelegationRecord | null> {
  const found = await lookUpDelegation(deps, teamId, domain).catch(() => null);
  return found?.check.status === "active" ? found.record : null;
}

/**
 * A delegated obtain of a name the team does not hold yet: the CNAME in place verifies it (the claim is made here,
 * with the verifier's audit row); without it, the 400 names the exact CNAME to create. Conflict when another team
 * holds the name.
 */
export async function verifyByDelegation(deps: Deps, teamId: string, domain: string): Promise<"verified" | "conflict" | { record: DelegationRecord; check: DelegationCheck } | null> {
  const found = await lookUpDelegation(deps, teamId, domain);
  if (!found) return null;
  if (found.check.status !== "active") return found;
  const now = deps.clock.now();
  const claimed = await claimVerified(deps.db, teamId, domain, domain, now, verifierCommit(deps.db, now), { method: "cname", recordName: found.record.recordName });
  return claimed ? "verified" : "conflict";
}

/** Claims `domain` for the team (one batch, with the audit row only when the claim is the team's); whether it is. */
async function claimVerified(
  db: Database,
  teamId: string,
  domain: string,
  target: string,
  now: number,
  commit: CommitChange,
  proof: { method: "txt" | "cname"; recordName: string } | { method: "none" } = { method: "txt", recordName: verificationRecordName(domain) },
): Promise<boolean> {
  const [, holder] = (await commit({
    teamId,
    target,
    detail: { domain, verified: true, ...proof },
    statements: [claimDomainStatement(db, teamId, domain, now), claimHolderQuery(db, domain), markCheckedStatement(db, teamId, domain, now)],
    recordIf: { holds: teamHolds(teamId, domain), checked: "after" },
  })) as [unknown, { teamId: string }[]];
  return holder[0]?.teamId === teamId;
}

/**
 * `POST /projects/:id/domain/verify`: looks up the TXT record and, when it carries the token, claims the name. Answers
 * verified, conflict (another team holds the name, or won the race), or pending with what was found.
 */
export async function verifyDomain(deps: Deps, teamId: string, projectId: string, domain: string, commit: CommitChange): Promise<VerificationView> {
  if (deps.config.DOMAIN_VERIFICATION === "off") return claimUnchecked(deps, teamId, projectId, domain, commit);
  if (deps.config.DOH_RESOLVER_URL === "none") {
    throw new AppError("bad_request", "DNS checks are disabled on this deployment (DOH_RESOLVER_URL is none): a domain cannot be verified");
  }
  const now = deps.clock.now();
  const { db } = deps;
  // A project whose row went missing (it cannot, but the lookup needs a token) gets one now.
  await pendingVerificationFor(db, teamId, domain, now).run();
  const state = await verificationState(db, teamId, domain);
  if (state.held) return viewOf(domain, "verified", state.token, state.checkedAt);
  if (state.taken) return viewOf(domain, "conflict", state.token, state.checkedAt, CONFLICT_MESSAGE);
  if (state.token === null) throw new AppError("internal", "The domain's verification token was not stored");
  let lookup: Awaited<ReturnType<typeof lookUpToken>>;
  try {
    lookup = await lookUpToken(deps, domain, state.token);
  } catch (error) {
    await markCheckedStatement(db, teamId, domain, now).run();
    const reason = error instanceof Error ? error.message : String(error);
    return viewOf(domain, "pending", state.token, now, `The DNS lookup of ${verificationRecordName(domain)} failed (${reason}); try again later`);
  }
  if (lookup.found) {
    const verified = await claimVerified(db, teamId, domain, projectId, now, commit);
    return verified ? viewOf(domain, "verified", state.token, now) : viewOf(domain, "conflict", state.token, now, CONFLICT_MESSAGE);
  }
  const delegated = await delegationInPlace(deps, teamId, domain);
  if (delegated) {
    const verified = await claimVerified(db, teamId, domain, projectId, now, commit, { method: "cname", recordName: delegated.recordName });
    return verified ? viewOf(domain, "verified", state.token, now) : viewOf(domain, "conflict", state.token, now, CONFLICT_MESSAGE);
  }
  await markCheckedStatement(db, teamId, domain, now).run();
  return viewOf(domain, "pending", state.token, now, notFoundMessage(domain, state.token, lookup));
}

/**
 * Verify with DOMAIN_VERIFICATION=off: nothing is looked up, and the name is the team's unless another team holds it,
 * as adding it is. A name the team was still waiting on when verification was required (pending, or revoked by the
 * operator) is claimed here, so turning verification off strands no project that obtain and upload would refuse.
 */
async function claimUnchecked(deps: Deps, teamId: string, projectId: string, domain: string, commit: CommitChange): Promise<VerificationView> {
  const state = await verificationState(deps.db, teamId, domain);
  if (state.held) return viewOf(domain, "verified", null, null);
  const claimed = !state.taken && (await claimVerified(deps.db, teamId, domain, projectId, deps.clock.now(), commit, { method: "none" }));
  return claimed ? viewOf(domain, "verified", null, null) : viewOf(domain, "conflict", null, null, CONFLICT_MESSAGE);
}

function notFoundMessage(domain: string, token: string, lookup: { seen: string[]; nxdomain: boolean }): string {
  const want = `No TXT record at ${verificationRecordName(domain)} carries ${verificationRecordValue(token)}`;
  if (lookup.nxdomain) return `${want}: the name does not exist (NXDOMAIN)`;
  if (lookup.seen.length === 0) return `${want}: the name has no TXT records`;
  const shown = lookup.seen.slice(0, 5).map((value) => JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value));
  return `${want}: found ${shown.join(", ")}${lookup.seen.length > 5 ? ` and ${lookup.seen.length - 5} more` : ""}`;
}

/** The cron's actor and action in the audit log. */
export const VERIFIER_ACTOR = "domain-verifier";
export const VERIFIER_ACTION = "verify domain";

/** The cron's commit: the statements and the verifier's audit row in one batch, the row only where `recordIf` holds. */
function verifierCommit(db: Database, now: number): CommitChange {
  return async function verifierCommit(change) {
    const row = auditInsert(db, { teamId: change.teamId, actor: VERIFIER_ACTOR, action: VERIFIER_ACTION, target: change.target, detail: change.detail }, now, change.recordIf?.holds);
    const [first, ...rest] = [...change.statements, row];
    return (await db.batch([first!, ...rest])).slice(0, -1);
  };
}

/**
 * The cron stage: looks up to VERIFICATIONS_PER_TICK pending verifications, least recently checked first, and claims
 * each name whose record carries its team's token.
 */
export async function verifyPendingDomains(deps: Deps, asOf: number): Promise<{ due: number; verified: number; conflicts: number; failed: number }> {
  const result = { due: 0, verified: 0, conflicts: 0, failed: 0 };
  if (deps.config.DOMAIN_VERIFICATION === "off" || deps.config.DOH_RESOLVER_URL === "none") return result;
  const { db } = deps;
  const due = await duePendingVerifications(db, VERIFICATIONS_PER_TICK);
  result.due = due.length;
  const commit = verifierCommit(db, asOf);
  for (const row of due) {
    try {
      const lookup = await lookUpToken(deps, row.domain, row.token);
      const delegated = lookup.found ? null : await delegationInPlace(deps, row.teamId, row.domain);
      if (!lookup.found && !delegated) {
        await markCheckedStatement(db, row.teamId, row.domain, asOf).run();
        continue;
      }
      const proof = delegated ? { method: "cname" as const, recordName: delegated.recordName } : undefined;
      if (await claimVerified(db, row.teamId, row.domain, row.domain, asOf, commit, proof)) result.verified++;
      else result.conflicts++;
    } catch {
      result.failed++;
      await markCheckedStatement(db, row.teamId, row.domain, asOf)
        .run()
        .catch(() => undefined);
    }
  }
  return result;
}

/**
 * The refusal of a name the team does not hold while it waits on the name's verification: which record to create.
 * Null when the team has no pending verification for it (the caller's own words then).
 */
export async function pendingVerificationError(db: Database, teamId: string, name: string, param?: string): Promise<AppError | null> {
  const candidates = [name, `*.${name.slice(name.indexOf(".") + 1)}`];
  for (const domain of candidates) {
    const state = await verificationState(db, teamId, domain);
    if (state.held || state.taken || state.token === null) continue;
    return new AppError(
      "domain_not_configured",
      `The team has not verified ${domain} yet: create a TXT record at ${verificationRecordName(domain)} with the value ` +
        `${verificationRecordValue(state.token)}, then call POST /api/v1/projects/{id}/domain/verify`,
      param === undefined ? {} : { param },
    );
  }
  return null;
}

/** What an operator's revocation did: whose claim went, and its projects now pending on a fresh token. */
export interface Revocation {
  domain: string;
  teamId: string;
  pendingProjects: string[];
}

/**
 * An operator revokes a team's claim on `domain` (a verified name stays verified when its record disappears, until
 * then). The name is nobody's: the holder's projects using it wait on a fresh token, as a new domain does, and its
 * certificates carrying the name stop renewing with the reason (as when a team releases a name); a team whose claim
 * was `conflict` is `pending` again, and the first team to verify holds the name. One batch, with the audit row in the
 * holder's log written only while the claim is there.
 */
export async function revokeVerification(deps: Deps, domain: string, commit: CommitChange): Promise<Revocation> {
  if (deps.config.DOMAIN_VERIFICATION === "off") {
    throw new AppError("bad_request", "Domain verification is off on this deployment (DOMAIN_VERIFICATION=off): a revoked claim could not be verified again");
  }
  const { db } = deps;
  const notHeld = () => new AppError("not_found", `No team holds ${domain}`);
  const [holder] = await claimHolderQuery(db, domain);
  if (!holder) throw notHeld();
  const { teamId } = holder;
  const now = deps.clock.now();
  const results = await commit({
    teamId,
    target: domain,
    detail: { domain, revoked: true },
    statements: [...revokeClaimStatements(db, teamId, domain, newVerificationToken(), now), stopRenewalsOfReleasedNamesStatement(db, teamId, now)],
    recordIf: { holds: teamClaims(teamId, domain), checked: "before" },
  });
  const [, revoked, , pending] = results as [unknown, { teamId: string }[], unknown, { id: string }[]];
  if (revoked.length === 0) throw notHeld();
  return { domain, teamId, pendingProjects: pending.map((row) => row.id) };
}
