/**
 * The ACME server's counter `acme_server_operations{directory, operation, outcome}` (`GET /metrics`): each newOrder,
 * finalize and revokeCert request of a directory, counted once its answer is known, in the team's metric counters.
 */
import type { Database } from "../../db/client";
import type { AcmeDirectoryRow } from "../../store/acme-server-directories";
import { CounterTally } from "../../store/metric-counters";

export type AcmeServerOperation = "newOrder" | "finalize" | "revokeCert";

/** What a successful answer of each operation did. */
export const OPERATION_SUCCESS: Record<AcmeServerOperation, string> = { newOrder: "created", finalize: "issued", revokeCert: "revoked" };

/** Adds one to the directory's counter; never throws (CounterTally.flush logs a count it cannot write). */
export async function countAcmeServerOperation(db: Database, directory: AcmeDirectoryRow, operation: AcmeServerOperation, outcome: string, now: number): Promise<void> {
  const tally = new CounterTally();
  tally.add(directory.teamId, "acme_server_operations", { directory: directory.id, operation, outcome });
  await tally.flush(db, now);
}
