/**
 * Certificates the ACME server issued: download (RFC 8555 §7.4.2: leaf and issuing chain, the root too when the CA is
 * one, as certbot needs two certificates), revocation (§7.6: by the ordering account or by the certificate's own key,
 * through the private CA's revocation so the CRL lists it, or at the public CA for a relayed one) and renewal
 * information (RFC 9773).
 */
import { Certificate } from "@peculiar/asn1-x509";
import { AsnConvert } from "@peculiar/asn1-schema";
import { and, eq } from "drizzle-orm";
import { sameKey } from "../../acme-server/jws-keys";
import type { VerifiedJws } from "../../acme-server/jws-verify";
import { AcmeServerProblem } from "../../acme-server/problems";
import { ariCertificateId } from "../../acme/certificate-id";
import { REVOCATION_REASONS } from "../../acme/certificate";
import { AppError } from "../../core/errors";
import { base64UrlToBytes, bytesToHex } from "../../crypto/encoding";
import { certificates } from "../../db/schema";
import type { RevocationReason } from "../../pki/private-ca";
import { pemToDer } from "../../pki";
import { x509 } from "../../pki/x509-setup";
import type { AcmeServerAccountRow } from "../../store/acme-server-accounts";
import { type AcmeOrderRow, orderBySerial } from "../../store/acme-server-orders";
import type { CertificateAuthorityRow } from "../../store/certificate-authorities";
import type { CertificateRow } from "../../store/certificates";
import { findTeamCaCertificate, type PrivateCertificateRow } from "../../store/private-certificates";
import { revokeAcmeCertificate } from "../certificates/acme";
import { type SubscriberRevocationReason, subscriberRevocationReasons } from "../certificates/revocation-reasons";
import type { Deps } from "../deps";
import { revokePrivateCertificate } from "../private-ca/revoke";
import { accountActor, type AcmeServerContext } from "./context";

/** The serial of a DER certificate as orders keep it: lowercase hex, no leading zero bytes. */
const serialHexOfDer = (der: Uint8Array<ArrayBuffer>) => bytesToHex(new Uint8Array(AsnConvert.parse(der, Certificate).tbsCertificate.serialNumber)).replace(/^(00)+(?=.)/, "");

/** The serial of a PEM certificate as orders keep it (`certificate_serial`). */
export const certificateSerialHex = (pem: string) => serialHexOfDer(pemToDer(pem));

/** An order's certificate: a private CA's row with its CA, or the team certificate a relayed order stored. */
type Issued = { kind: "private"; ca: CertificateAuthorityRow; certificate: PrivateCertificateRow } | { kind: "relay"; certificate: CertificateRow };

/** The order's certificate row (and its CA, for a private directory). */
async function issuedOf(ctx: AcmeServerContext, order: AcmeOrderRow): Promise<Issued> {
  const issuer = ctx.directory.issuer;
  if (issuer.type === "relay") {
    const certificate = order.certificateId
      ? await ctx.db.query.certificates.findFirst({ where: and(eq(certificates.id, order.certificateId), eq(certificates.teamId, ctx.directory.teamId)) })
      : undefined;
    if (!certificate) throw new AcmeServerProblem("malformed", "no certificate for this order");
    return { kind: "relay", certificate };
  }
  const found = order.certificateId ? await findTeamCaCertificate(ctx.db, ctx.directory.teamId, issuer.caId, order.certificateId) : undefined;
  if (!found) throw new AcmeServerProblem("malformed", "no certificate for this order");
  return { kind: "private", ...found };
}

/**
 * The PEM chain of the order's certificate: each block ends in a newline (certbot splits on them). It is the only
 * chain: a team's CA keeps one issuer chain (no cross-signed or alternate paths are stored), so the download carries
 * no `Link: rel="alternate"` (RFC 8555 §7.4.2 sends one only where the server has other chains to offer).
 */
export async function certificateChainPem(ctx: AcmeServerContext, order: AcmeOrderRow): Promise<string> {
  const issued = await issuedOf(ctx, order);
  const blocks = [issued.certificate.certificatePem, issued.certificate.chainPem];
  // The stored chain stops below the root; a root CA's own certificate is then the whole chain. A relayed chain is
  // the public CA's, as it sent it.
  if (issued.kind === "private" && (issued.ca.kind === "root" || issued.ca.chainPem === "")) blocks.push(issued.ca.certificatePem);
  return blocks.map((pem) => pem.trim()).filter((pem) => pem !== "").map((pem) => `${pem}\n`).join("");
}

const REASON_NAMES = new Map<number, string>(Object.entries(REVOCATION_REASONS).map(([name, code]) => [code, name]));

function revocationReason(value: unknown): RevocationReason {
  if (value === undefined) return "unspecified";
  const name = typeof value === "number" ? REASON_NAMES.get(value) : undefined;
  // removeFromCRL (8) belongs to delta CRLs, which are not issued here.
  if (name === undefined || name === "removeFromCRL") throw new AcmeServerProblem("badRevocationReason", "reason must be an RFC 5280 §5.3.1 CRLReason code other than 7 and 8");
  return name as RevocationReason;
}

/** What a revocation changed: the CA (whose CRL now lists the certificate) and the revoked row; or a relayed certificate, revoked at the public CA. */
export type AcmeRevocation =
  | { kind: "private"; ca: CertificateAuthorityRow; certificate: PrivateCertificateRow; reason: RevocationReason }
  | { kind: "relay"; certificate: CertificateRow; revokedAt: number };

/**
 * revokeCert (RFC 8555 §7.6). `account` is set for a `kid` request (it must be the account that ordered the
 * certificate); otherwise the JWS must be signed by the certificate's own key. A relayed certificate is revoked at
 * the public CA that issued it, by the certificate's issuer (`deps`), as the API's revoke does.
 */
export async function revokeCertificate(ctx: AcmeServerContext, verified: VerifiedJws, account: AcmeServerAccountRow | null, deps: Deps): Promise<AcmeRevocation> {
  const payload = verified.payload as { certificate?: unknown; reason?: unknown } | undefined;
  if (typeof payload?.certificate !== "string" || !/^[A-Za-z0-9_-]+$/.test(payload.certificate)) throw new AcmeServerProblem("malformed", 'the payload must be {"certificate": base64url DER, "reason"?} (RFC 8555 §7.6)');
  const reason = revocationReason(payload.reason);
  let der: Uint8Array<ArrayBuffer>;
  let serial: string;
  try {
    der = base64UrlToBytes(payload.certificate);
    serial = serialHexOfDer(der);
  } catch {
    throw new AcmeServerProblem("malformed", "the certificate is not a DER X.509 certificate");
  }
  const order = await orderBySerial(ctx.db, ctx.directory.id, serial);
  const issued = order ? await issuedOf(ctx, order).catch(() => null) : null;
  if (!order || !issued || !sameDer(pemToDer(issued.certificate.certificatePem), der)) throw new AcmeServerProblem("unauthorized", "this directory did not issue that certificate");
  if (account ? account.id !== order.accountId : !(await sameKey(await publicJwkOf(der), verified.jwk))) {
    throw new AcmeServerProblem("unauthorized", account ? "the certificate was ordered by another account" : "the JWS is not signed by the certificate's key");
  }
  const actor = account ? accountActor(account.id) : `acme-certificate-key:${issued.certificate.id}`;
  if (issued.kind === "relay") return revokeRelayed(deps, ctx, issued.certificate, reason, actor);
  const { ca, certificate } = issued;
  if (certificate.status === "revoked") throw new AcmeServerProblem("alreadyRevoked", "the certificate is already revoked");
  try {
    const revoked = await revokePrivateCertificate({ db: ctx.db, encryptionKey: ctx.encryptionKey, now: ctx.now }, ca, certificate as PrivateCertificateRow, reason, ctx.commitAs(actor));
    return { kind: "private", ca, certificate: revoked, reason };
  } catch (error) {
    if (error instanceof AppError && error.code === "conflict") throw new AcmeServerProblem("alreadyRevoked", error.message);
    // A short-lived certificate lapses instead (no CRL lists it); an expired one is not listed either.
    if (error instanceof AppError && error.code === "not_revocable") throw new AcmeServerProblem("unauthorized", error.message);
    throw error;
  }
}

/** At the public CA, through the API's own revocation (audited, the certificate's issuer, the webhook event). */
async function revokeRelayed(deps: Deps, ctx: AcmeServerContext, certificate: CertificateRow, reason: RevocationReason, actor: string): Promise<AcmeRevocation> {
  // RFC 8555 §7.6 leaves the reasons to CA policy: the public CA takes a subscriber's reasons only.
  if (!(subscriberRevocationReasons as readonly string[]).includes(reason)) {
    throw new AcmeServerProblem("badRevocationReason", `the public CA accepts only these reasons: ${subscriberRevocationReasons.map((name) => `${name} (${REVOCATION_REASONS[name]})`).join(", ")}`);
  }
  if (certificate.state === "revoked") throw new AcmeServerProblem("alreadyRevoked", "the certificate is already revoked");
  try {
    const revokedAt = await revokeAcmeCertificate(deps, certificate, reason as SubscriberRevocationReason, ctx.commitAs(actor));
    return { kind: "relay", certificate, revokedAt };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (error.code === "conflict") throw new AcmeServerProblem("alreadyRevoked", error.message);
    if (error.status < 500) throw new AcmeServerProblem("unauthorized", error.message);
    throw new AcmeServerProblem("serverInternal", `the public CA did not revoke the certificate: ${error.message}`, { retryAfterSeconds: error.retryAfter ?? 30 });
  }
}

const sameDer = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);

async function publicJwkOf(der: Uint8Array<ArrayBuffer>): Promise<JsonWebKey> {
  const certificate = new x509.X509Certificate(der);
  const algorithm = certificate.publicKey.algorithm as Algorithm & { namedCurve?: string };
  const params = algorithm.name === "ECDSA" ? { name: "ECDSA", namedCurve: algorithm.namedCurve } : algorithm.name === "Ed25519" ? { name: "Ed25519" } : { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  const key = await crypto.subtle.importKey("spki", certificate.publicKey.rawData, params, true, ["verify"]);
  return (await crypto.subtle.exportKey("jwk", key)) as JsonWebKey;
}

/** RFC 9773 §4.2: the suggested window for `{AKI}.{serial}`, or null for a certificate this directory did not issue. */
export async function renewalInfo(ctx: AcmeServerContext, certId: string): Promise<{ start: number; end: number } | null> {
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(certId);
  if (!match) throw new AcmeServerProblem("malformed", "the renewalInfo path must be <AKI keyIdentifier>.<serial>, both base64url (RFC 9773 §4.1)");
  let serial: string;
  try {
    serial = bytesToHex(base64UrlToBytes(match[2]!)).replace(/^(00)+(?=.)/, "");
  } catch {
    throw new AcmeServerProblem("malformed", "the serial is not base64url");
  }
  const order = await orderBySerial(ctx.db, ctx.directory.id, serial);
  const issued = order ? await issuedOf(ctx, order).catch(() => null) : null;
  if (!issued || ariCertificateId(issued.certificate.certificatePem) !== certId) return null;
  const relayed = issued.kind === "relay" ? issued.certificate : null;
  const ownCertificate = issued.kind === "private" ? issued.certificate : null;
  const revoked = relayed ? relayed.state === "revoked" : ownCertificate!.status === "revoked";
  // A revoked certificate is due now (RFC 9773 §4.2).
  if (revoked) return { start: ctx.now - 60_000, end: ctx.now };
  // A relayed one: the public CA's own window as last fetched, when it gives one.
  if (relayed && relayed.ariWindowStart !== null && relayed.ariWindowEnd !== null) return { start: relayed.ariWindowStart, end: relayed.ariWindowEnd };
  const [notBefore, notAfter] = relayed ? [relayed.issuedAt, relayed.expiresAt] : [ownCertificate!.notBefore, ownCertificate!.notAfter];
  // The middle third of the last half, as Let's Encrypt suggests.
  const lifetime = notAfter - notBefore;
  return { start: notBefore + Math.round((lifetime * 2) / 3) - Math.round(lifetime / 18), end: notBefore + Math.round((lifetime * 2) / 3) + Math.round(lifetime / 18) };
}
