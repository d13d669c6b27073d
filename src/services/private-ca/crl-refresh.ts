/**
 * The cron's CRL stage: every CA whose CRL is a day old is re-signed (cRLNumber one higher, nextUpdate 7 days on), so
 * no relying party holds a CRL past its nextUpdate (RFC 5280 §5.1.2.5). Disabled CAs too: their CRL stays served. A
 * CA past its own notAfter is left alone (it can sign nothing a relying party would accept). Each write is conditional
 * on the number it was signed after, so a revocation committed meanwhile wins and this CA waits for the next tick.
 */
import type { Deps } from "../deps";
import { casWithCrlDue, crlUpdateStatement } from "../../store/certificate-authorities";
import { CRL_REFRESH_AFTER_MS, CRL_VALIDITY_MS, crlEntries, signCrl } from "./crl-signing";
import { openSigningCa } from "./signing-ca";

/** CAs re-signed per tick at most: each is a signature and one D1 write; the rest wait a tick (6 days of margin). */
export const CRLS_PER_TICK = 200;

export async function refreshDueCrls(deps: Pick<Deps, "db" | "config">, asOf: number): Promise<{ due: number; refreshed: number; failed: number }> {
  const due = await casWithCrlDue(deps.db, asOf + CRL_VALIDITY_MS - CRL_REFRESH_AFTER_MS, asOf, CRLS_PER_TICK);
  let refreshed = 0;
  let failed = 0;
  for (const ca of due) {
    try {
      const issuer = await openSigningCa(deps.config.ENCRYPTION_KEY, ca);
      const crl = await signCrl(issuer, ca.crlNumber + 1, asOf, await crlEntries(deps.db, ca.id, asOf));
      const [written] = await deps.db.batch([crlUpdateStatement(deps.db, ca.id, ca.crlNumber, crl)]);
      if (written.length > 0) refreshed++;
    } catch (error) {
      // One CA's failure (a key that no longer opens) holds back no other CA's CRL; its kind only, never its values.
      failed++;
      console.error(`CRL refresh of ${ca.id} failed: ${error instanceof Error ? error.name : typeof error}`);
    }
  }
  return { due: due.length, refreshed, failed };
}
