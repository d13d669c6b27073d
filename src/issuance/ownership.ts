/**
 * Whether a certificate's owner still holds its names, checked under the certificate's lock before
 * ordering (and again, in the same statement, when storing: see store-issued.ts). A name the owner gave
 * up may already be another team's: it is never ordered, or stored, on the old owner's ACME account.
 */
import { AppError } from "../core/errors";
import type { Database } from "../db/client";
import { firstUnheldName, type NameOwner, ownerHolds } from "../store/domain-claims";
import { RELEASED_NAME_STOP } from "../store/released-names";
import type { IssueRequest } from "./issue-request";

export function ownerOf(request: IssueRequest): NameOwner {
  return { teamId: request.teamId, projectId: request.projectId };
}

/** The name the owner no longer holds, or null when it holds every name of the request. */
export async function releasedName(db: Database, request: IssueRequest): Promise<string | null> {
  if (await ownerHolds(db, ownerOf(request), request.names)) return null;
  return (await firstUnheldName(db, request.teamId, request.names)) ?? request.names[0] ?? "";
}

/**
 * The refusal, in words that say only what the caller's own team did (never whether another team now
 * holds the name). Not retryable: retrying cannot give the name back.
 */
export function releasedNameError(request: IssueRequest, name: string, stage: "order" | "store"): AppError {
  const outcome = stage === "order" ? "nothing was ordered" : "the issued certificate was not stored";
  if (request.projectId !== null) {
    return new AppError("conflict", `The project no longer has the domain ${name}: ${outcome}`, { retryable: false });
  }
  return new AppError("domain_not_configured", `The team no longer holds ${name}: ${outcome}`, { retryable: false });
}

/** What a certificate whose renewal stopped for a released name says in lastRenewError (the release itself writes the same). */
export function releasedNameStop(request: IssueRequest, name: string): string {
  if (request.projectId !== null) return `Automatic renewal stopped: the project no longer has the domain ${name}`;
  return `${RELEASED_NAME_STOP}${name}`;
}
