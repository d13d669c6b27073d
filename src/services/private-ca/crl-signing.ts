/**
 * Signing a CA's CRL (RFC 5280 §5): every revoked, unexpired, not short-lived certificate of the CA, cRLNumber one
 * above the stored one (§5.2.3: monotonically increasing), nextUpdate 7 days on (the bound). The cron re-signs
 * a CRL once it is a day old (crl-refresh.ts), so a relying party never holds one past its nextUpdate.
 */
import { DAY_MS } from "../../core/time";
import { bytesToBase64 } from "../../crypto/encoding";
import type { Database } from "../../db/client";
import { createCrl, type RevocationReason, type RevokedEntry, type SigningCa } from "../../pki/private-ca";
import { revokedForCrl } from "../../store/private-certificates";

/** RFC 5280 §5.1.2.5 nextUpdate: at most 7 days after thisUpdate. */
export const CRL_VALIDITY_MS = 7 * DAY_MS;
/** A CRL older than this is re-signed by the cron: six days of margin before its nextUpdate. */
export const CRL_REFRESH_AFTER_MS = DAY_MS;

export interface SignedCrl {
  number: number;
  /** DER, base64. */
  der: string;
  thisUpdate: number;
  nextUpdate: number;
}

export async function signCrl(issuer: SigningCa, number: number, now: number, entries: RevokedEntry[]): Promise<SignedCrl> {
  const thisUpdate = now;
  const nextUpdate = now + CRL_VALIDITY_MS;
  const der = await createCrl({ issuer, crlNumber: number, thisUpdate: new Date(thisUpdate), nextUpdate: new Date(nextUpdate), entries });
  return { number, der: bytesToBase64(new Uint8Array(der)), thisUpdate, nextUpdate };
}

/** What the CA's CRL lists at `now`, as stored (plus what a revocation in progress adds: `extra`). */
export async function crlEntries(db: Database, caId: string, now: number, extra: RevokedEntry[] = []): Promise<RevokedEntry[]> {
  const rows = await revokedForCrl(db, caId, now);
  const stored = rows.map((row) => ({ serialHex: row.serial, revokedAt: new Date(row.revokedAt ?? now), reason: (row.reason ?? "unspecified") as RevocationReason }));
  return [...stored.filter((entry) => !extra.some((e) => e.serialHex === entry.serialHex)), ...extra];
}
