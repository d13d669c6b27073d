/**
 * Issuing a leaf certificate from a team's CA, from a CSR (the requester keeps its key) or with a key generated here
 * and sealed. Every refusal comes before anything is signed: a disabled or expired CA, a profile the CA's EKU forbids,
 * a validity past the CA's notAfter or PRIVATE_CA_MAX_LEAF_DAYS, a name outside the name constraints of the CA or any
 * CA above it (RFC 5280 §4.2.1.10, enforced here as a relying party would), a CSR whose signature does not verify.
 */
import { AppError } from "../../core/errors";
import { DAY_MS, HOUR_MS } from "../../core/time";
import { newId } from "../../core/ids";
import { seal } from "../../crypto/sealing";
import type { Database } from "../../db/client";
import { exportPrivateKeyPem, generateCertificateKey } from "../../pki";
import {
  type LeafProfile,
  type NameConstraints,
  type SubjectNames,
  assertProfileAllowedBy,
  LeafSigner,
  namesOutsideConstraints,
  normalizeSubjectNames,
  randomSerialHex,
  readCertificateRequest,
} from "../../pki/private-ca";
import { x509 } from "../../pki/x509-setup";
import { renewalDueAt } from "../../renewal/policy";
import type { CertificateAuthorityRow } from "../../store/certificate-authorities";
import { type PrivateCertificateRow, insertPrivateCertificateStatement, privateCertificateThere } from "../../store/private-certificates";
import { limitReached } from "../limits/quota";
import type { CommitChange } from "../change";
import { chainOf } from "./create-ca";
import { caCertificateUrlOf, crlUrlOf } from "./public-urls";
import { fingerprintHex, openSigningCa } from "./signing-ca";

/** A certificate valid for at most 7 days is short-lived (as AWS Private CA's mode): no CRL DP, never on a CRL. */
export const SHORT_LIVED_MAX_MS = 7 * DAY_MS;
/** Without `validityHours`: 90 days, or less when the CA or the configured maximum ends sooner. */
export const DEFAULT_LEAF_VALIDITY_MS = 90 * DAY_MS;
/** Backdated a minute, for relying parties whose clocks run a little behind. */
const BACKDATE_MS = 60_000;

export interface IssueInput {
  profile: LeafProfile;
  commonName?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  uris?: string[];
  emails?: string[];
  validityHours?: number;
  /** An explicit validity window (ms; an ACME order's notBefore/notAfter, RFC 8555 §7.4): either end may be left to the default. */
  window?: { notBefore?: number; notAfter?: number };
  csr?: string;
  keyType?: "ec" | "rsa";
  keySize?: number;
  autoRenew?: boolean;
}

export interface IssueContext {
  db: Database;
  encryptionKey: string;
  now: number;
  maxLeafDays: number;
  /** PRIVATE_CERTIFICATES_PER_TEAM (core/config.ts). */
  maxCertificates: number;
}

const requestsNames = (input: IssueInput) =>
  input.commonName !== undefined || [input.dnsNames, input.ipAddresses, input.uris, input.emails].some((list) => list !== undefined && list.length > 0);

/** The leaf's key: the CSR's public key, or a generated pair whose private half is sealed with the row. */
export async function leafKey(
  input: IssueInput,
): Promise<{ publicKey: CryptoKey; spki?: ArrayBuffer; privateKey: CryptoKey | null; fromCsr: SubjectNames | null; description: string }> {
  if (input.csr !== undefined) {
    if (input.keyType !== undefined || input.keySize !== undefined) {
      throw new AppError("validation_failed", "keyType and keySize are for a generated key: with a csr the key is the CSR's", { param: "keyType" });
    }
    if (input.autoRenew) throw new AppError("validation_failed", "autoRenew needs a key kept here: a certificate from a CSR is renewed by sending a CSR again", { param: "autoRenew" });
    const request = await readCertificateRequest(input.csr, { allowWildcards: input.profile !== "client" });
    return { publicKey: request.publicKey, spki: request.spki, privateKey: null, fromCsr: request.names, description: request.keyDescription };
  }
  const keyType = input.keyType ?? "ec";
  const keySize = input.keySize ?? (keyType === "ec" ? 256 : 2048);
  if (keyType === "ec" && keySize !== 256 && keySize !== 384) throw new AppError("validation_failed", `keySize ${keySize} does not fit keyType "ec": 256 or 384`, { param: "keySize" });
  if (keyType === "rsa" && keySize !== 2048 && keySize !== 3072 && keySize !== 4096) throw new AppError("validation_failed", `keySize ${keySize} does not fit keyType "rsa": 2048, 3072 or 4096`, { param: "keySize" });
  const pair = await generateCertificateKey(keyType === "ec" ? { keyType, curve: keySize === 384 ? "P-384" : "P-256" } : { keyType, keySize: keySize as 2048 | 3072 | 4096 });
  return { publicKey: pair.publicKey, privateKey: pair.privateKey, fromCsr: null, description: keyType === "ec" ? `EC P-${keySize}` : `RSA ${keySize}` };
}

/**
 * notBefore/notAfter, or a 400 when they pass the CA's notAfter or the configured maximum. Without `window` the
 * certificate starts now (backdated a minute); a window's notBefore is taken as given, its notAfter too, and the
 * lifetime (then counted from notBefore) obeys the same limits.
 */
export function validityOf(ctx: Pick<IssueContext, "now" | "maxLeafDays">, ca: CertificateAuthorityRow, validityHours: number | undefined, window?: IssueInput["window"]) {
  const maxMs = ctx.maxLeafDays * DAY_MS;
  if (validityHours !== undefined && validityHours * HOUR_MS > maxMs) {
    throw new AppError("validation_failed", `validityHours must be at most ${ctx.maxLeafDays * 24} (${ctx.maxLeafDays} days, PRIVATE_CA_MAX_LEAF_DAYS)`, { param: "validityHours" });
  }
  const start = window?.notBefore ?? ctx.now;
  const notAfter = window?.notAfter ?? start + (validityHours !== undefined ? validityHours * HOUR_MS : Math.min(DEFAULT_LEAF_VALIDITY_MS, maxMs, ca.notAfter - start));
  const lifetime = notAfter - start;
  if (lifetime > maxMs) throw new AppError("validation_failed", `the validity window is longer than ${ctx.maxLeafDays} days (PRIVATE_CA_MAX_LEAF_DAYS)`, { param: "notAfter" });
  if (window?.notAfter !== undefined && (lifetime <= 0 || notAfter <= ctx.now)) {
    throw new AppError("validation_failed", `the validity window ends at ${new Date(notAfter).toISOString()}: that is not after its start and now`, { param: "notAfter" });
  }
  if (lifetime <= 0 || notAfter > ca.notAfter) {
    throw new AppError("validation_failed", `the certificate would outlive its CA: the CA's notAfter is ${new Date(ca.notAfter).toISOString()}`, { param: "validityHours" });
  }
  return { notBefore: window?.notBefore ?? ctx.now - BACKDATE_MS, notAfter, shortLived: lifetime <= SHORT_LIVED_MAX_MS };
}

/** The chain served after the leaf: the issuing CA up to, not including, the root (a self-signed certificate). */
function leafChainPem(issuing: x509.X509Certificate, ca: CertificateAuthorityRow): string {
  const source = `${ca.certificatePem}\n${ca.chainPem}`;
  const known = chains.get(ca.id);
  if (known?.source === source) return known.pem;
  const pem = [issuing, ...chainOf(ca.chainPem)]
    .filter((certificate) => certificate.subject !== certificate.issuer)
    .map((certificate) => `${certificate.toString("pem")}\n`)
    .join("");
  chains.delete(ca.id);
  if (chains.size >= CHAINS_MAX) chains.delete(chains.keys().next().value!);
  chains.set(ca.id, { source, pem });
  return pem;
}

/** Each CA's chain PEM in this isolate, by id, for the exact certificate and chain texts it was built from. */
const chains = new Map<string, { source: string; pem: string }>();
const CHAINS_MAX = 64;

/** What signing gives a row: the certificate, its serial, chain, dates, fingerprint, and the generated key sealed under `id`. */
export type SignedLeaf = Pick<PrivateCertificateRow, "serial" | "certificatePem" | "chainPem" | "sealedKey" | "fingerprint" | "notBefore" | "notAfter">;

/** Signs a leaf of `ca` (a fresh random serial; the CRL DP unless short-lived, AIA caIssuers) and seals its key, if any. */
export async function signLeaf(
  ctx: Pick<IssueContext, "encryptionKey">,
  ca: CertificateAuthorityRow,
  leaf: { id: string; publicKey: CryptoKey; spki?: ArrayBuffer; privateKey: CryptoKey | null; profile: LeafProfile; names: SubjectNames; notBefore: number; notAfter: number; shortLived: boolean },
): Promise<SignedLeaf> {
  const path = ca.constraintsPath as unknown as NameConstraints[];
  // Opened once per isolate for these row texts (signing-ca.ts), its LeafSigner prepared once with it (pki).
  const issuer = await openSigningCa(ctx.encryptionKey, ca);
  const serial = randomSerialHex();
  const certificate = await LeafSigner.of(issuer).sign({
    publicKey: leaf.publicKey,
    spki: leaf.spki,
    profile: leaf.profile,
    names: leaf.names,
    serialHex: serial,
    notBefore: new Date(leaf.notBefore),
    notAfter: new Date(leaf.notAfter),
    crlUrl: leaf.shortLived ? undefined : crlUrlOf(ca),
    caIssuersUrl: caCertificateUrlOf(ca),
    // The issuing CA's own constraints are read from its certificate there; the path's first entry is that one.
    constraintsAbove: ca.nameConstraints === null ? path : path.slice(1),
  });
  return {
    serial,
    certificatePem: `${x509.PemConverter.encode(certificate.der, "CERTIFICATE")}\n`,
    chainPem: leafChainPem(issuer.certificate, ca),
    sealedKey: leaf.privateKey ? await seal(ctx.encryptionKey, await exportPrivateKeyPem(leaf.privateKey), leaf.id) : null,
    fingerprint: await fingerprintHex(certificate.der),
    notBefore: certificate.notBefore.getTime(),
    notAfter: certificate.notAfter.getTime(),
  };
}

/** Issues the certificate and stores it with its audit row in one batch. */
export async function issuePrivateCertificate(ctx: IssueContext, ca: CertificateAuthorityRow, input: IssueInput, commit: CommitChange): Promise<PrivateCertificateRow> {
  if (ca.status !== "active") throw new AppError("validation_failed", `CA ${ca.id} is disabled: it issues no certificate`);
  if (ca.notAfter <= ctx.now) throw new AppError("validation_failed", `CA ${ca.id} expired at ${new Date(ca.notAfter).toISOString()}`);
  // Refused before the CSR is read: a profile the CA's EKU forbids (the signer checks it again, as it checks all).
  assertProfileAllowedBy((await openSigningCa(ctx.encryptionKey, ca)).certificate, input.profile);
  const validity = validityOf(ctx, ca, input.validityHours, input.window);
  const key = await leafKey(input);
  const asked = requestsNames(input) || key.fromCsr === null ? input : key.fromCsr;
  const names = normalizeSubjectNames(asked, { allowWildcards: input.profile !== "client" });
  if (!names.commonName && names.dnsNames.length + names.ipAddresses.length + names.uris.length + names.emails.length === 0) {
    throw new AppError("validation_failed", "the certificate names nothing: give a commonName or at least one of dnsNames, ipAddresses, uris, emails", { param: "dnsNames" });
  }
  const path = ca.constraintsPath as unknown as NameConstraints[];
  const outside = namesOutsideConstraints(names, path);
  if (outside.length > 0) {
    throw new AppError("validation_failed", `outside the name constraints of this CA or a CA above it: ${outside.slice(0, 10).join(", ")}`, { param: "dnsNames" });
  }
  const id = newId("pcert");
  const signed = await signLeaf(ctx, ca, { id, publicKey: key.publicKey, spki: key.spki, privateKey: key.privateKey, profile: input.profile, names, ...validity });
  const row: PrivateCertificateRow = {
    id,
    caId: ca.id,
    teamId: ca.teamId,
    profile: input.profile,
    names,
    keyDescription: key.description,
    ...signed,
    status: "active",
    revokedAt: null,
    revocationReason: null,
    autoRenew: input.autoRenew ?? false,
    shortLived: validity.shortLived,
    // As ACME certificates (renewal/policy.ts): due at two thirds of the lifetime (half, under 10 days).
    nextRenewalAt: input.autoRenew ? renewalDueAt({ issuedAt: signed.notBefore, expiresAt: signed.notAfter }) : null,
    createdAt: ctx.now,
  };
  const serial = row.serial;
  const detail = { caId: ca.id, serial, profile: row.profile, fromCsr: key.privateKey === null, shortLived: row.shortLived, notAfter: new Date(row.notAfter).toISOString() };
  const recordIf = { holds: privateCertificateThere(id), checked: "after" as const };
  const statements = [insertPrivateCertificateStatement(ctx.db, row, ctx.maxCertificates)];
  const [inserted] = (await commit({ teamId: ca.teamId, statements, target: id, detail, recordIf })) as [unknown[]];
  if (inserted.length === 0) throw limitReached(`A team's CAs may hold at most ${ctx.maxCertificates} certificates (PRIVATE_CERTIFICATES_PER_TEAM)`);
  return row;
}
