/**
 * A client certificate signed by one of the team's CAs and installed as the project's egress client certificate for an
 * origin (`POST /api/v1/projects/:id/client-certificates/issue`; issue 21 §4). It takes the origin's slot in the same
 * store as an upload (services/client-certificates.ts), so the Vercel surface shows it like one, and it is listed under
 * its CA like any certificate the CA issued: both rows share one id, which is how the renewal finds its CA again
 * (services/client-certificate-renewal.ts).
 */
import { sql } from "drizzle-orm";
import { LIMIT_DEFAULTS, type Limits } from "../core/config";
import { DAY_MS } from "../core/time";
import { AppError } from "../core/errors";
import { newId } from "../core/ids";
import type { Database } from "../db/client";
import { privateCertificates } from "../db/schema";
import { selectValues } from "../db/select-values";
import { renewalDueAt } from "../renewal/policy";
import { exportPrivateKeyPem, generateCertificateKey } from "../pki/key-generation";
import type { CertificateAuthorityRow as CaRow } from "../store/certificate-authorities";
import type { PrivateCertificateRow } from "../store/private-certificates";
import type { CommitChange } from "./change";
import { type ClientCertificateLimits, type ClientCertificateRow, type SlotWriteOptions, storeClientCertificate } from "./client-certificates";
import { normalizeOrigin } from "./client-certificate-origin";
import { limitReached } from "./limits/quota";
import { certificateChainOf, signClientLeaf } from "./client-certificate-signing";
import type { ProjectRow } from "./projects";
import { requireTeamCa } from "./private-ca/lookup";
import { openSigningCa } from "./private-ca/signing-ca";

/** 90 days unless asked: a quarter, renewed at two thirds (60 days), as the ACME certificates here are. */
export const DEFAULT_CLIENT_VALIDITY_DAYS = 90;

export interface IssueClientCertificateInput {
  origin?: string | null;
  caId: string;
  validityDays?: number;
}

export interface IssuedClientCertificate {
  row: ClientCertificateRow;
  /** The CA's record of it (same id): what its `certificate.issued` event describes. */
  record: PrivateCertificateRow;
  caId: string;
  leafPem: string;
  notAfter: number;
}

const disabled = (ca: CaRow) => new AppError("validation_failed", `caId: CA ${ca.id} is disabled: it issues no further certificates`, { param: "caId" });

/** The quotas an issued client certificate is held to: the slot's, and the team's CAs' (PRIVATE_CERTIFICATES_PER_TEAM). */
export type IssuedClientCertificateLimits = ClientCertificateLimits & Pick<Limits, "PRIVATE_CERTIFICATES_PER_TEAM">;

/**
 * SQL, held by the whole batch: the CA may still sign (a disable racing this issuance wins) and the team's CAs have
 * room for one more certificate (PRIVATE_CERTIFICATES_PER_TEAM, counted as services/private-ca/issue.ts counts it).
 */
const canRecord = (ca: CaRow, limits: IssuedClientCertificateLimits) =>
  sql`EXISTS (SELECT 1 FROM certificate_authorities WHERE id = ${ca.id} AND status = 'active')
    AND (SELECT count(*) FROM private_certificates WHERE team_id = ${ca.teamId}) < ${limits.PRIVATE_CERTIFICATES_PER_TEAM}`;

/**
 * Signs a `client` certificate with subject CN=<project name> (no SAN: client authentication needs none) and a new EC
 * P-256 key, and installs it in the project's slot for `origin` with its audit row (`commit`): the slot row, the CA's
 * record of it and the audit row in one batch. A renewal adds a condition to that batch (the slot still
 * holds the certificate it renews: `replacing`); when it or the CA's status fails at commit, nothing is stored and the answer is null.
 */
export async function installIssuedClientCertificate(
  db: Database,
  keys: string,
  project: ProjectRow,
  ca: CaRow,
  origin: string,
  notAfter: number,
  now: number,
  commit: CommitChange,
  limits: IssuedClientCertificateLimits,
  replacing?: Pick<SlotWriteOptions, "guard" | "before" | "also">,
): Promise<IssuedClientCertificate | null> {
  if (ca.status !== "active") throw disabled(ca);
  if (notAfter > ca.notAfter) {
    const days = Math.round((notAfter - now) / DAY_MS);
    throw new AppError(
      "validation_failed",
      `validityDays: ${days} days would end after the CA's own notAfter (${new Date(ca.notAfter).toISOString()}); ask for fewer days`,
      { param: "validityDays" },
    );
  }
  const issuer = await openSigningCa(keys, ca);
  const pair = await generateCertificateKey({ keyType: "ec", curve: "P-256" });
  const id = newId("ccert");
  const leaf = await signClientLeaf(ca, issuer, { publicKey: pair.publicKey, commonName: project.name, notBefore: now, notAfter });
  const { chainPem, trustAnchorPem } = certificateChainOf(ca);
  const record: PrivateCertificateRow = {
    id,
    caId: ca.id,
    teamId: project.teamId,
    serial: leaf.serialHex,
    profile: "client",
    names: { commonName: project.name, dnsNames: [], ipAddresses: [], uris: [], emails: [] },
    certificatePem: leaf.pem,
    chainPem,
    // The key lives in the egress slot (sealed with this same id), where it is used; not twice.
    sealedKey: null,
    keyDescription: "EC P-256",
    fingerprint: leaf.fingerprint,
    notBefore: now,
    notAfter,
    status: "active",
    revokedAt: null,
    revocationReason: null,
    autoRenew: true,
    // Read by services/client-certificate-renewal.ts, which replaces the slot's certificate (the slot holds the key),
    // through private_certificates_renewal_idx; the private_renewal stage (which renews in place, with the key kept
    // in this row) skips records that are in a slot.
    nextRenewalAt: renewalDueAt({ issuedAt: now, expiresAt: notAfter }),
    shortLived: leaf.shortLived,
    createdAt: now,
  };
  // Written only with the slot's row: over quota (or a failed guard) the CA records nothing either.
  const recordInsert = db
    .insert(privateCertificates)
    .select(sql`SELECT ${selectValues(privateCertificates, record)} WHERE EXISTS (SELECT 1 FROM client_certificates WHERE id = ${id})`)
    .returning({ id: privateCertificates.id });
  const checked = { leafPem: leaf.pem, chainPem, privateKeyPkcs8Pem: await exportPrivateKeyPem(pair.privateKey), notAfter: new Date(notAfter) };
  const held = replacing?.guard ? sql`${canRecord(ca, limits)} AND (${replacing.guard})` : canRecord(ca, limits);
  const stored = await storeClientCertificate(db, keys, project, origin, trustAnchorPem, checked, now, limits, commit, {
    id,
    guard: held,
    before: replacing?.before,
    also: [recordInsert, ...(replacing?.also ?? [])],
    detail: { caId: ca.id, serial: leaf.serialHex },
  });
  if (!stored.stored) return null;
  return { row: stored.row, record, caId: ca.id, leafPem: leaf.pem, notAfter };
}

/** The route's issuance: the team's CA, the origin normalized as an upload's, a disabled CA a 400. */
export async function issueClientCertificate(
  db: Database,
  keys: string,
  project: ProjectRow,
  input: IssueClientCertificateInput,
  now: number,
  commit: CommitChange,
  limits: IssuedClientCertificateLimits & { PRIVATE_CA_MAX_LEAF_DAYS: number } = { ...LIMIT_DEFAULTS, PRIVATE_CA_MAX_LEAF_DAYS: 398 },
): Promise<IssuedClientCertificate> {
  const origin = normalizeOrigin(input.origin);
  const maxDays = limits.PRIVATE_CA_MAX_LEAF_DAYS;
  if (input.validityDays !== undefined && input.validityDays > maxDays) {
    throw new AppError("validation_failed", `validityDays must be at most ${maxDays} (PRIVATE_CA_MAX_LEAF_DAYS)`, { param: "validityDays" });
  }
  const ca = await requireTeamCa(db, project.teamId, input.caId, "caId");
  const notAfter = now + (input.validityDays ?? Math.min(DEFAULT_CLIENT_VALIDITY_DAYS, maxDays)) * DAY_MS;
  const issued = await installIssuedClientCertificate(db, keys, project, ca, origin, notAfter, now, commit, limits);
  if (issued) return issued;
  // The batch's guard failed: the CA was disabled meanwhile, or its team's certificate quota is spent.
  if ((await requireTeamCa(db, project.teamId, ca.id, "caId")).status !== "active") throw disabled(ca);
  throw limitReached(`A team's CAs may hold at most ${limits.PRIVATE_CERTIFICATES_PER_TEAM} certificates (PRIVATE_CERTIFICATES_PER_TEAM)`);
}
