/** What every ACME server operation works with: the directory, its linker, the database, the clock, and how it records. */
import type { SealingKeys } from "../../crypto/sealing";
import type { Database } from "../../db/client";
import type { AcmeDirectoryRow } from "../../store/acme-server-directories";
import type { CommitChange } from "../change";
import type { AcmeLinker } from "./linker";

export interface AcmeServerContext {
  db: Database;
  encryptionKey: SealingKeys;
  now: number;
  maxLeafDays: number;
  maxCertificates: number;
  directory: AcmeDirectoryRow;
  link: AcmeLinker;
  /** A commit whose audit row names `actor` (the ACME account, `acme-account:<id>`) and this request's action. */
  commitAs(actor: string): CommitChange;
  /**
   * Whether this request has seen `directory` in use: false while it is a row kept from an earlier request
   * (routes/acme-server/context.ts), until `requireAccount`'s statement says the directory is still in use.
   */
  directoryConfirmed: boolean;
}

export const accountActor = (accountId: string) => `acme-account:${accountId}`;
