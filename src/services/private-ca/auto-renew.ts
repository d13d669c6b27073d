/**
 * The cron's renewal of private certificates with `autoRenew` (a key generated here): when due (two thirds of the
 * lifetime, renewal/policy.ts), a new key and certificate of the same names, profile and lifetime replace the old in
 * place (the id stays, as an ACME renewal keeps it), so the export and deploy paths pick the new one up. The old
 * certificate is not revoked: it lapses. A CA that is disabled, expired or too short-lived for another full lifetime
 * stops the renewal (next_renewal_at cleared, logged), since a shorter certificate would surprise its holder.
 */
import { DAY_MS } from "../../core/time";
import type { LeafProfile } from "../../pki/private-ca";
import { renewalDueAt } from "../../renewal/policy";
import { findCaById } from "../../store/certificate-authorities";
import { type PrivateCertificateRow, dueForRenewal, renewStatement } from "../../store/private-certificates";
import type { Deps } from "../deps";
import { emitPrivateCertificateEvent } from "../webhooks/private-ca-events";
import { leafKey, signLeaf } from "./issue";

/** Renewals per tick at most: each is a key generation, a signature and one D1 write. */
export const PRIVATE_RENEWALS_PER_TICK = 100;
/**
 * After a renewal that threw (not one that stopped), it is due again this much later: at the back of the due rows, so
 * certificates that keep failing cannot fill every tick's PRIVATE_RENEWALS_PER_TICK and hold back the others.
 */
export const PRIVATE_RENEWAL_RETRY_MS = 60 * 60_000;
/** As issue.ts backdates. */
const BACKDATE_MS = 60_000;

/** The key spec of a stored description ("EC P-256", "RSA 3072"). */
function keySpecOf(description: string): { keyType: "ec" | "rsa"; keySize: number } {
  const [type, size] = description.split(" ");
  return type === "EC" ? { keyType: "ec", keySize: size === "P-384" ? 384 : 256 } : { keyType: "rsa", keySize: Number(size) };
}

async function renewOne(deps: Pick<Deps, "db" | "config">, row: PrivateCertificateRow, asOf: number): Promise<"renewed" | "stopped" | "raced"> {
  const ca = await findCaById(deps.db, row.caId);
  const lifetime = row.notAfter - row.notBefore - BACKDATE_MS;
  const stop = async (why: string) => {
    console.log(`private renewal of ${row.id} stopped: ${why}`);
    await deps.db.batch([renewStatement(deps.db, row.id, row.serial, { nextRenewalAt: null })]);
    return "stopped" as const;
  };
  if (!ca || ca.status !== "active") return stop("its CA is disabled");
  // Issued from a CSR, or an egress client certificate whose slot was deleted or replaced meanwhile (its key was the slot's).
  if (row.sealedKey === null) return stop("its key is not kept here");
  if (asOf + lifetime > ca.notAfter) return stop("its CA ends before another full lifetime");
  if (lifetime > deps.config.PRIVATE_CA_MAX_LEAF_DAYS * DAY_MS) return stop("its lifetime is above PRIVATE_CA_MAX_LEAF_DAYS now");
  const key = await leafKey({ profile: row.profile as LeafProfile, ...keySpecOf(row.keyDescription) });
  const signed = await signLeaf({ encryptionKey: deps.config.ENCRYPTION_KEY }, ca, {
    id: row.id,
    publicKey: key.publicKey,
    privateKey: key.privateKey,
    profile: row.profile as LeafProfile,
    names: row.names,
    notBefore: asOf - BACKDATE_MS,
    notAfter: asOf + lifetime,
    shortLived: row.shortLived,
  });
  const nextRenewalAt = renewalDueAt({ issuedAt: signed.notBefore, expiresAt: signed.notAfter });
  const [written] = await deps.db.batch([renewStatement(deps.db, row.id, row.serial, { ...signed, nextRenewalAt })]);
  // Revoked or renewed meanwhile: a revocation clears next_renewal_at, a renewal moves it, so it is not due again.
  if (written.length === 0) return "raced";
  await emitPrivateCertificateEvent(deps as Deps, "certificate.renewed", written[0]!, { previousSerial: row.serial });
  return "renewed";
}

export async function renewDuePrivateCertificates(deps: Deps, asOf: number): Promise<{ due: number; renewed: number; stopped: number; failed: number }> {
  const due = await dueForRenewal(deps.db, asOf, PRIVATE_RENEWALS_PER_TICK);
  const counts = { due: due.length, renewed: 0, stopped: 0, failed: 0 };
  for (const row of due) {
    try {
      const outcome = await renewOne(deps, row, asOf);
      if (outcome === "renewed") counts.renewed++;
      if (outcome === "stopped") counts.stopped++;
    } catch (error) {
      // One certificate's failure holds back no other: it is due again in an hour, behind those due now.
      counts.failed++;
      console.error(`private renewal of ${row.id} failed: ${error instanceof Error ? error.name : typeof error}`);
      await deps.db.batch([renewStatement(deps.db, row.id, row.serial, { nextRenewalAt: asOf + PRIVATE_RENEWAL_RETRY_MS })]).catch(() => {
        // Not moved (D1 unreachable too): it is simply tried again next tick.
      });
    }
  }
  return counts;
}
