/** Team-level certificates (Vercel `/v8/certs`): stored in `certificates` with no project. */
import { type SQL, and, asc, desc, eq, gt, gte, isNull, lt, lte } from "drizzle-orm";
import type { Database } from "../db/client";
import { certificates } from "../db/schema";
import { AppError } from "../core/errors";
import { checkCertificate, parseCertificateBundle } from "../pki";
import { type CertificateRow, materialOf, storeCertificate } from "../store/certificates";
import { teamHoldsDomain } from "./projects";

export interface TeamCertificateUpload {
  cert: string;
  key: string;
  /** Intermediates (and optionally the root) that complete the chain; may be empty. */
  ca: string;
  /** Skips policy (dates, chain, strength): the PEMs are still parsed and the key must still match. */
  skipValidation?: boolean;
}

const teamLevel = (teamId: string) => and(eq(certificates.teamId, teamId), isNull(certificates.projectId));

/**
 * The intermediates from `ca` that continue the chain after `sentPem` (the leaf and the intermediates
 * uploaded with it), issuer by issuer, stopping at a self-signed root: a server sends those, not roots.
 */
function intermediatesFrom(ca: string, sentPem: string): string {
  let pool: ReturnType<typeof parseCertificateBundle>;
  try {
    pool = parseCertificateBundle(ca).filter((cert) => cert.subject !== cert.issuer);
  } catch {
    return ""; // A larger trust store than a bundle holds: it verified the chain, but nothing of it is sent.
  }
  const sent = parseCertificateBundle(sentPem);
  let issuer = sent[sent.length - 1]!.issuer;
  let out = "";
  for (let hops = 0; hops < pool.length; hops++) {
    const next = pool.find((cert) => cert.subject === issuer);
    if (!next) break;
    const pem = `${next.toString("pem")}\n`;
    if (sentPem.includes(pem.trim()) || out.includes(pem)) break;
    out += pem;
    issuer = next.issuer;
  }
  return out;
}

/**
 * Validates (unless `skipValidation`) and stores an uploaded certificate for the team. Every name
 * it presents must be a domain the team holds (claimed by one of its projects), so that no team
 * can serve a certificate for another team's name.
 */
export async function uploadTeamCertificate(
  db: Database,
  encryptionKey: string,
  teamId: string,
  input: TeamCertificateUpload,
  now: number,
): Promise<CertificateRow> {
  const ca = input.ca.trim() === "" ? null : input.ca;
  // Malformed PEM (not a certificate, not a key) throws a 400 here, with or without skipValidation.
  const checked = await checkCertificate({ certificatePem: input.cert, privateKeyPem: input.key, caPem: ca, now: new Date(now) });
  const { report } = checked;
  if (!report.valid && (!input.skipValidation || report.errorCode === "key_mismatch")) {
    throw new AppError(report.errorCode ?? "invalid_certificate", report.error ?? "Certificate is not valid");
  }
  if (report.names.length === 0) {
    throw new AppError("invalid_certificate", "Certificate names no DNS host (no subjectAltName dNSName and no subject CN)", {
      param: "cert",
    });
  }
  for (const name of report.names) {
    if (!(await teamHoldsDomain(db, teamId, name))) {
      throw new AppError(
        "domain_not_configured",
        `The team does not hold ${name}: add the domain to one of the team's projects before uploading a certificate for it`,
        { param: "cert" },
      );
    }
  }
  return await storeCertificate(
    db,
    encryptionKey,
    {
      teamId,
      projectId: null,
      type: "custom",
      domain: report.names[0]!,
      ...materialOf(checked),
      chainPem: checked.chainPem + (ca ? intermediatesFrom(ca, checked.leafPem + checked.chainPem) : ""),
      // An uploaded certificate is renewed by uploading its successor.
      autoRenew: false,
    },
    now,
  );
}

/** A team-level certificate by id, or 404 (another team's, or a project's, is indistinguishable from none). */
export async function getTeamCertificate(db: Database, teamId: string, id: string): Promise<CertificateRow> {
  const row = await db.query.certificates.findFirst({ where: and(teamLevel(teamId), eq(certificates.id, id)) });
  if (!row) throw new AppError("not_found", `Certificate ${id} not found`);
  return row;
}

export async function deleteTeamCertificate(db: Database, teamId: string, id: string): Promise<void> {
  const deleted = await db
    .delete(certificates)
    .where(and(teamLevel(teamId), eq(certificates.id, id)))
    .returning({ id: certificates.id });
  if (deleted.length === 0) throw new AppError("not_found", `Certificate ${id} not found`);
}

export interface TeamCertificatePageQuery {
  limit: number;
  /** Only certificates created before this instant (ms): the next, older page. */
  until?: number;
  /** Only certificates created after this instant (ms): the previous, newer page. */
  since?: number;
}

export interface TeamCertificatePage {
  /** Newest first. */
  rows: CertificateRow[];
  /** `until` for the next (older) page, or null when there is none. */
  next: number | null;
  /** `since` for the previous (newer) page, or null when there is none. */
  prev: number | null;
}

/**
 * A page of the team's certificates, newest first, cut on `createdAt` (Vercel's timestamp cursors).
 * A page never splits certificates created in the same millisecond: the cursor is a bare
 * timestamp, so a split would skip the rest of them. Such a page may hold more than `limit`.
 */
export async function listTeamCertificates(db: Database, teamId: string, query: TeamCertificatePageQuery): Promise<TeamCertificatePage> {
  const backwards = query.since !== undefined;
  const window = backwards
    ? gt(certificates.createdAt, query.since!)
    : query.until !== undefined
      ? lt(certificates.createdAt, query.until)
      : undefined;
  // Walk away from the cursor: older rows for `until`, newer rows for `since`.
  const away = backwards ? asc : desc;
  const probe = await db
    .select({ createdAt: certificates.createdAt })
    .from(certificates)
    .where(and(teamLevel(teamId), window))
    .orderBy(away(certificates.createdAt))
    .limit(query.limit + 1);
  if (probe.length === 0) return { rows: [], next: null, prev: null };
  const boundary = probe[Math.min(query.limit, probe.length) - 1]!.createdAt;
  const throughBoundary = backwards ? lte(certificates.createdAt, boundary) : gte(certificates.createdAt, boundary);
  const rows = await db
    .select()
    .from(certificates)
    .where(and(teamLevel(teamId), window, throughBoundary))
    .orderBy(desc(certificates.createdAt), desc(certificates.id));
  if (rows.length === 0) return { rows: [], next: null, prev: null };
  const newest = rows[0]!.createdAt;
  const oldest = rows[rows.length - 1]!.createdAt;
  const [older, newer] = await Promise.all([
    hasRow(db, teamId, lt(certificates.createdAt, oldest)),
    hasRow(db, teamId, gt(certificates.createdAt, newest)),
  ]);
  return { rows, next: older ? oldest : null, prev: newer ? newest : null };
}

async function hasRow(db: Database, teamId: string, condition: SQL): Promise<boolean> {
  const found = await db.select({ id: certificates.id }).from(certificates).where(and(teamLevel(teamId), condition)).limit(1);
  return found.length > 0;
}
