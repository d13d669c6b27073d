/** A CA's certificate revocation list (RFC 5280 §5): v2, signed by the CA, with cRLNumber, AKI and a reasonCode per entry. */
import { AsnIntegerBigIntConverter } from "@peculiar/asn1-schema";
import { id_ce_cRLNumber } from "@peculiar/asn1-x509";
import { AppError } from "../../core/errors";
import { x509 } from "../x509-setup";
import type { SigningCa } from "./ca-certificate";
import { authorityKeyIdentifier, caSigningAlgorithm } from "./issuing";

/** RFC 5280 §5.3.1 CRLReason names (value 7 is unused; removeFromCRL (8) belongs to delta CRLs, which we do not issue). */
export type RevocationReason =
  | "unspecified"
  | "keyCompromise"
  | "cACompromise"
  | "affiliationChanged"
  | "superseded"
  | "cessationOfOperation"
  | "certificateHold"
  | "privilegeWithdrawn"
  | "aACompromise";

const REASON_CODES: Record<RevocationReason, x509.X509CrlReason> = {
  unspecified: x509.X509CrlReason.unspecified,
  keyCompromise: x509.X509CrlReason.keyCompromise,
  cACompromise: x509.X509CrlReason.cACompromise,
  affiliationChanged: x509.X509CrlReason.affiliationChanged,
  superseded: x509.X509CrlReason.superseded,
  cessationOfOperation: x509.X509CrlReason.cessationOfOperation,
  certificateHold: x509.X509CrlReason.certificateHold,
  privilegeWithdrawn: x509.X509CrlReason.privilegeWithdrawn,
  aACompromise: x509.X509CrlReason.aACompromise,
};

export const REVOCATION_REASONS: readonly RevocationReason[] = Object.keys(REASON_CODES) as RevocationReason[];

export interface RevokedEntry {
  serialHex: string;
  revokedAt: Date;
  reason: RevocationReason;
}

/** RFC 5280 §5.2.3: a CRL number fits in 20 octets, so it stays below 2^159 as a positive DER INTEGER. */
const MAX_CRL_NUMBER = (1n << 159n) - 1n;
/** RFC 5280 §4.1.2.2: serials are at most 20 octets. */
const SERIAL_HEX = /^[0-9a-f]{1,40}$/;

function internalError(message: string): AppError {
  // The service builds these inputs from its own records: a bad one is our bug, not the caller's.
  return new AppError("internal", message, { retryable: false });
}

/** RFC 5280 §5.2.3 cRLNumber, non-critical; the INTEGER through asn1-schema's BigInt converter (numbers past 2^53 stay exact). */
function crlNumberExtension(crlNumber: bigint | number): x509.Extension {
  if (typeof crlNumber === "number" && !Number.isSafeInteger(crlNumber)) throw internalError("a CRL number must be an integer (RFC 5280 §5.2.3)");
  const value = BigInt(crlNumber);
  if (value < 0n || value > MAX_CRL_NUMBER) throw internalError("a CRL number is a non-negative integer of at most 20 octets (RFC 5280 §5.2.3)");
  return new x509.Extension(id_ce_cRLNumber, false, AsnIntegerBigIntConverter.toASN(value).toBER(false));
}

function serialNumber(serialHex: string): string {
  const text = typeof serialHex === "string" ? serialHex.trim().toLowerCase().replace(/^0x/, "") : "";
  // One spelling per number ("00ab", "0ab" and "ab" are the same INTEGER), so a serial listed twice is caught here.
  const serial = text.replace(/^0+/, "");
  if (!/^[0-9a-f]+$/.test(text) || !SERIAL_HEX.test(serial)) {
    throw internalError(`"${String(serialHex).slice(0, 48)}" is not a positive certificate serial in hex (RFC 5280 §4.1.2.2)`);
  }
  // Whole octets; the generator then writes it as a positive INTEGER (a 00 in front of a high bit), as certificates are.
  return serial.length % 2 === 1 ? `0${serial}` : serial;
}

/**
 * DER of a v2 CRL (RFC 5280 §5.1) signed by the CA: issuer = the CA's subject, thisUpdate/nextUpdate, cRLNumber and AKI
 * (both required of conforming CAs, §5.2.1, §5.2.3), one entry per revoked serial. Each entry carries its reasonCode
 * (§5.3.1) except "unspecified": §5.3.1 says the extension SHOULD be absent rather than carry unspecified (0), and an
 * absent reasonCode means exactly that to every reader.
 */
export async function createCrl(input: {
  issuer: SigningCa;
  crlNumber: bigint | number;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: RevokedEntry[];
}): Promise<ArrayBuffer> {
  const { issuer, thisUpdate, nextUpdate } = input;
  // RFC 5280 §5.1.2.5: nextUpdate MUST be later than thisUpdate.
  if (!(nextUpdate.getTime() > thisUpdate.getTime())) throw internalError("a CRL's nextUpdate must be later than its thisUpdate");
  const seen = new Set<string>();
  const entries: x509.X509CrlEntryParams[] = input.entries.map((entry) => {
    const serial = serialNumber(entry.serialHex);
    if (seen.has(serial)) throw internalError(`serial ${serial} is listed twice`);
    seen.add(serial);
    if (!Object.hasOwn(REASON_CODES, entry.reason)) throw internalError(`"${String(entry.reason)}" is not an RFC 5280 §5.3.1 revocation reason`);
    if (!(entry.revokedAt instanceof Date) || Number.isNaN(entry.revokedAt.getTime())) throw internalError(`serial ${serial} has no valid revocation date`);
    const reason = REASON_CODES[entry.reason];
    // No reasonCode for unspecified (0), as chosen above.
    return { serialNumber: serial, revocationDate: entry.revokedAt, ...(reason === x509.X509CrlReason.unspecified ? {} : { reason }) };
  });
  const crl = await x509.X509CrlGenerator.create({
    issuer: issuer.certificate.subjectName,
    thisUpdate,
    nextUpdate,
    signingKey: issuer.privateKey,
    // The same algorithm as the CA signs certificates with: ECDSA P-256 → SHA-256, P-384 → SHA-384, RSA → SHA-256.
    signingAlgorithm: caSigningAlgorithm(issuer.privateKey),
    // RFC 5280 §5.2.1: AKI = the CA certificate's SKI, as in the certificates it signs.
    extensions: [await authorityKeyIdentifier(issuer), crlNumberExtension(input.crlNumber)],
    entries,
  });
  return crl.rawData;
}
