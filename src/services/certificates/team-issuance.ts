/** Issuing a team-level certificate for a list of names (Vercel's `POST /v8/certs`) over HTTP-01. */
import type { CommitChange } from "../change";
import type { Deps } from "../deps";
import { AppError } from "../../core/errors";
import type { CertificateRow } from "../../store/certificates";
import { normalizeDomain } from "../domain-name";
import { firstUnheldName } from "../../store/domain-claims";
import { pendingVerificationError } from "../domain-verification";
import { obtainAcmeCertificate } from "./acme";
import { getOwnedCertificate } from "./lookup";
import { teamOwner } from "./owner";

/** Most names one certificate may carry (Let's Encrypt's limit). */
export const MAX_NAMES = 100;

/**
 * Every name must be held by the team (through a project's domain), so the shared challenge route
 * cannot be used to obtain another team's name. HTTP-01 only: wildcards need DNS-01, which needs
 * provider credentials the native API takes.
 */
export async function issueTeamCertificate(deps: Deps, teamId: string, cns: string[], commit: CommitChange): Promise<CertificateRow> {
  const names = [...new Set(cns.map((name, i) => normalizeDomain(name, `cns.${i}`)))];
  if (names.length === 0) throw new AppError("validation_failed", "cns: give at least one name", { param: "cns" });
  if (names.length > MAX_NAMES) throw new AppError("validation_failed", `cns: at most ${MAX_NAMES} names`, { param: "cns" });
  const { db } = deps;
  const wildcard = names.find((name) => name.startsWith("*."));
  if (wildcard) {
    throw new AppError("bad_request", `${wildcard}: wildcard names need DNS-01; obtain them through the native API with a DNS provider`, { param: "cns" });
  }
  // Checked again under the certificate's lock before ordering, and when storing (issuance/ownership.ts).
  const unheld = await firstUnheldName(db, teamId, names);
  if (unheld !== null) {
    throw (await pendingVerificationError(db, teamId, unheld, "cns")) ?? new AppError("bad_request", `${unheld} is not a domain of this team: add it to a project first`, { param: "cns" });
  }
  const owner = teamOwner(teamId);
  const outcome = await obtainAcmeCertificate(deps, owner, names, {
    email: "",
    challengeType: "http-01",
    autoRenew: true,
    keyType: "ec",
    staging: false,
    dryRun: false,
  }, commit);
  switch (outcome.state) {
    case "issued":
      return getOwnedCertificate(db, owner, outcome.certificateId);
    case "pending":
      // Vercel's CLI reads 449 as "not ready yet" and retries; the retry joins the running order.
      throw new AppError("configuration_error", "The certificate is still being issued: retry in a few seconds");
    case "failed":
      if (outcome.error.code === "challenge_failed") {
        throw new AppError("configuration_error", `The domain is not yet set up for the HTTP-01 challenge: ${outcome.error.message}`);
      }
      throw AppError.fromData(outcome.error);
    default:
      throw new AppError("internal", "Issuance ended without a certificate");
  }
}
