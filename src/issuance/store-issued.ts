/**
 * The last step of an issuance: store the new certificate only over the row the job started from,
 * and only while the owner holds every name, both in the one statement that writes it. Obtain, upload,
 * delete and autoRenew writes do not take the certificate's lock: a job that ran for minutes must not
 * write its stale result back over them.
 */
import type { Database } from "../db/client";
import { ownerHolds, ownerHoldsNames } from "../store/domain-claims";
import { type CertificateRow, type NewCertificate, storeCertificateIf } from "../store/certificates";
import type { IssueRequest } from "./issue-request";
import { ownerOf } from "./ownership";

export type StoreOutcome =
  | { state: "stored"; row: CertificateRow }
  /** The row changed since the job read it (deleted, replaced, autoRenew switched): the newer state stays. */
  | { state: "stale" }
  /** The owner gave up one of the names while the order ran. */
  | { state: "released" };

/**
 * `previous` is the row as the job read it under the lock (null when there was none). A renewal, and a
 * project's obtain, replace it in place (keeping its id); a team's obtain adds a new certificate.
 */
export async function storeIssued(
  db: Database,
  encryptionKey: string,
  request: IssueRequest,
  previous: CertificateRow | null,
  input: NewCertificate,
  now: number,
): Promise<StoreOutcome> {
  const over = request.kind === "renew" || request.projectId !== null ? previous : null;
  const condition = ownerHoldsNames(ownerOf(request), request.names);
  const row = await storeCertificateIf(db, encryptionKey, input, now, { over, condition });
  if (row) return { state: "stored", row };
  // Nothing was written; say why, checking the names first (a release also changes the row).
  return (await ownerHolds(db, ownerOf(request), request.names)) ? { state: "stale" } : { state: "released" };
}
