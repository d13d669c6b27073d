/**
 * A team's ACME server directories and their External Account Binding keys (RFC 8555 §7.3.4): create (the issuer
 * checked: a CA of the team that may sign the profile, or a relay's way of proving control), list, delete (new requests refused; certificates stay), and
 * EAB keys made (the HMAC key shown once, sealed), listed (never the key) and revoked. Each change with its audit row.
 */
import { AppError } from "../../core/errors";
import { newId } from "../../core/ids";
import { generateEabKey } from "../../acme-server/eab-verify";
import type { SealingKeys } from "../../crypto/sealing";
import type { Database } from "../../db/client";
import type { AcmeDirectoryAuthorization, AcmeDirectoryIssuer } from "../../db/schema";
import { checkDnsName, checkIpAddress, parseIpAddress } from "../../pki/private-ca";
import { findTeamCa } from "../../store/certificate-authorities";
import { dnsConnectionOf } from "../../store/dns-connections";
import {
  type AcmeDirectoryRow,
  type AcmeEabKeyRow,
  deleteDirectoryStatement,
  directoryThere,
  eabKeyRevokedAt,
  insertDirectoryStatement,
  insertEabKeyStatement,
  revokeEabKeyStatement,
  sealEabKey,
  teamDirectory,
} from "../../store/acme-server-directories";
import type { CommitChange } from "../change";

export interface NewAcmeDirectory {
  name: string;
  issuer:
    | { type: "private"; caId: string; profile: "server" | "client" | "server-client"; validityHours?: number }
    | { type: "relay"; challengeType: "http-01" | "dns-01"; dnsConnectionId?: string; dnsDelegation?: boolean };
  authorization: AcmeDirectoryAuthorization;
  allowedNames?: string[];
}

/** 90 days: fits every client's default renewal rule (certbot renews 30 days before expiry). */
export const DEFAULT_VALIDITY_HOURS = 2160;

const invalid = (param: string, message: string) => new AppError("validation_failed", `${param}: ${message}`, { param });

/**
 * The patterns, each a DNS name, `*.` and one, or an IP address (RFC 8738 identifiers, canonical form), lower-cased
 * and de-duplicated; a bad one is a 400 naming it.
 */
function allowedNamesOf(names: readonly string[]): string[] {
  return [
    ...new Set(
      names.map((name, i) => {
        if (parseIpAddress(name) !== null) {
          const ip = checkIpAddress(name);
          if ("why" in ip) throw invalid(`allowedNames[${i}]`, `"${name.slice(0, 80)}" is ${ip.why}`);
          return ip.address;
        }
        const checked = checkDnsName(name, { allowWildcards: true });
        if ("why" in checked) throw invalid(`allowedNames[${i}]`, `"${name.slice(0, 80)}" is not a DNS name, *.name pattern or IP address: ${checked.why}`);
        return checked.name;
      }),
    ),
  ];
}

async function issuerOf(db: Database, teamId: string, input: NewAcmeDirectory, maxLeafDays: number, now: number, delegationAvailable: boolean): Promise<AcmeDirectoryIssuer> {
  const issuer = input.issuer;
  if (issuer.type === "relay") {
    // The public CA validates every name itself: a second, local validation would prove nothing more.
    if (input.authorization === "challenge") throw invalid("authorization", 'a relay directory issues only for names the team holds: its authorization is "pre-approved"');
    // The public CA issues on the team's account: only names the team holds, never a pattern.
    if ((input.allowedNames ?? []).length > 0) throw invalid("allowedNames", "a relay directory issues only for names the team holds: give no allowedNames");
    if (issuer.dnsConnectionId !== undefined && !(await dnsConnectionOf(db, teamId, issuer.dnsConnectionId))) {
      throw invalid("issuer.dnsConnectionId", `DNS connection ${issuer.dnsConnectionId} not found in this team`);
    }
    if (issuer.challengeType === "dns-01" && issuer.dnsConnectionId === undefined && !issuer.dnsDelegation) {
      throw invalid("issuer", "a dns-01 relay needs dnsConnectionId or dnsDelegation: true");
    }
    if (issuer.challengeType === "http-01" && (issuer.dnsConnectionId !== undefined || issuer.dnsDelegation)) {
      throw invalid("issuer", "dnsConnectionId and dnsDelegation belong to a dns-01 relay");
    }
    if (issuer.dnsConnectionId !== undefined && issuer.dnsDelegation) throw invalid("issuer", "give dnsConnectionId or dnsDelegation, not both");
    if (issuer.dnsDelegation && !delegationAvailable) throw invalid("issuer.dnsDelegation", "DNS delegation is not available on this deployment (ACME_DELEGATION_ZONE is not set)");
    return {
      type: "relay",
      challengeType: issuer.challengeType,
      ...(issuer.dnsConnectionId !== undefined ? { dnsConnectionId: issuer.dnsConnectionId } : {}),
      ...(issuer.dnsDelegation ? { dnsDelegation: true } : {}),
    };
  }
  const ca = await findTeamCa(db, teamId, issuer.caId);
  if (!ca) throw invalid("issuer.caId", `CA ${issuer.caId} not found in this team`);
  if (ca.status !== "active") throw invalid("issuer.caId", `CA ${ca.id} is disabled: it issues no certificate`);
  if (ca.notAfter <= now) throw invalid("issuer.caId", `CA ${ca.id} has expired`);
  const validityHours = issuer.validityHours ?? Math.min(DEFAULT_VALIDITY_HOURS, maxLeafDays * 24);
  if (validityHours > maxLeafDays * 24) throw invalid("issuer.validityHours", `must be at most ${maxLeafDays * 24} (PRIVATE_CA_MAX_LEAF_DAYS)`);
  return { type: "private", caId: ca.id, profile: issuer.profile, validityHours };
}

export async function createAcmeDirectory(
  ctx: { db: Database; now: number; maxLeafDays: number; delegationAvailable?: boolean },
  teamId: string,
  input: NewAcmeDirectory,
  commit: CommitChange,
): Promise<AcmeDirectoryRow> {
  const allowedNames = allowedNamesOf(input.allowedNames ?? []);
  const issuer = await issuerOf(ctx.db, teamId, input, ctx.maxLeafDays, ctx.now, ctx.delegationAvailable === true);
  const row: AcmeDirectoryRow = { id: newId("acmd"), teamId, name: input.name, issuer, authorization: input.authorization, allowedNames, createdAt: ctx.now, deletedAt: null };
  const detail = { name: row.name, issuer: issuer.type, authorization: row.authorization, allowedNames };
  const [inserted] = (await commit({ teamId, statements: [insertDirectoryStatement(ctx.db, row)], target: row.id, detail, recordIf: { holds: directoryThere(row.id), checked: "after" } })) as [unknown[]];
  if (inserted.length === 0) throw new AppError("conflict", `The team already has an ACME directory named "${input.name}"`, { param: "name" });
  return row;
}

/** The team's directory in use, or a 404 (another team's and a deleted one alike). */
export async function requireTeamDirectory(db: Database, teamId: string, id: string): Promise<AcmeDirectoryRow> {
  const row = await teamDirectory(db, teamId, id);
  if (!row || row.deletedAt !== null) throw new AppError("not_found", `ACME directory ${id} not found`);
  return row;
}

export async function deleteAcmeDirectory(db: Database, row: AcmeDirectoryRow, now: number, commit: CommitChange): Promise<void> {
  const [deleted] = (await commit({ teamId: row.teamId, statements: [deleteDirectoryStatement(db, row.id, now)], target: row.id, detail: { name: row.name }, recordIf: { holds: directoryThere(row.id), checked: "before" } })) as [unknown[]];
  if (deleted.length === 0) throw new AppError("not_found", `ACME directory ${row.id} not found`);
}

export async function createEabKey(ctx: { db: Database; encryptionKey: SealingKeys; now: number }, directory: AcmeDirectoryRow, commit: CommitChange): Promise<{ row: AcmeEabKeyRow; hmacKey: string }> {
  const id = newId("eab");
  const { hmacKey } = generateEabKey();
  const row: AcmeEabKeyRow = { id, directoryId: directory.id, teamId: directory.teamId, sealedHmacKey: await sealEabKey(ctx.encryptionKey, id, hmacKey), accountId: null, createdAt: ctx.now, revokedAt: null };
  await commit({ teamId: directory.teamId, statements: [insertEabKeyStatement(ctx.db, row)], target: id, detail: { directoryId: directory.id } });
  return { row, hmacKey };
}

export async function revokeEabKey(db: Database, key: AcmeEabKeyRow, now: number, commit: CommitChange): Promise<AcmeEabKeyRow> {
  if (key.revokedAt !== null) throw new AppError("conflict", `EAB key ${key.id} is already revoked`);
  const [revoked] = (await commit({ teamId: key.teamId, statements: [revokeEabKeyStatement(db, key.id, now)], target: key.id, detail: { directoryId: key.directoryId, accountId: key.accountId }, recordIf: { holds: eabKeyRevokedAt(key.id, now), checked: "after" } })) as [AcmeEabKeyRow[]];
  if (revoked.length === 0) throw new AppError("conflict", `EAB key ${key.id} is already revoked`);
  return revoked[0]!;
}
