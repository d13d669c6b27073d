/**
 * Authorizations and challenges (RFC 8555 §7.5): read, deactivated by the client (§7.5.2), and a challenge answered
 * (`{}`, §7.5.1): pending → processing, validated off the request path (validation.ts), then valid (the authorization
 * valid, the order ready once all of its authorizations are) or invalid (the authorization and order too, §7.1.6).
 */
import type { VerifiedJws } from "../../acme-server/jws-verify";
import { AcmeServerProblem, problemDocument } from "../../acme-server/problems";
import type { PublicJwk } from "../../acme/account-key";
import type { Database } from "../../db/client";
import type { AcmeServerAccountRow } from "../../store/acme-server-accounts";
import {
  type AcmeAuthorizationRow,
  type AcmeChallengeRow,
  authorizationById,
  authorizationsOf,
  challengeById,
  challengesOf,
  moveAuthorization,
  moveChallenge,
  moveOrder,
} from "../../store/acme-server-orders";
import type { AcmeServerContext } from "./context";
import { type ValidationSettings, ValidationFailure, validateOnce } from "./validation";

export interface AuthorizationWithChallenges {
  authorization: AcmeAuthorizationRow;
  challenges: AcmeChallengeRow[];
}

/** Attempts per challenge, and the pause between them (Vault retries up to 5 times). */
const ATTEMPTS = 5;
const PAUSE_MS = 3_000;

export async function requireAuthorization(ctx: AcmeServerContext, account: AcmeServerAccountRow, id: string): Promise<AuthorizationWithChallenges> {
  const authorization = await authorizationById(ctx.db, id);
  if (!authorization || authorization.directoryId !== ctx.directory.id) throw new AcmeServerProblem("malformed", `no authorization ${id.slice(0, 64)} in this directory`);
  if (authorization.accountId !== account.id) throw new AcmeServerProblem("unauthorized", "this authorization belongs to another account");
  return { authorization, challenges: await challengesOf(ctx.db, [authorization.id]) };
}

/** RFC 8555 §7.5.2: `{"status": "deactivated"}` on a pending or valid authorization. */
export async function deactivateAuthorization(ctx: AcmeServerContext, account: AcmeServerAccountRow, found: AuthorizationWithChallenges, payload: unknown): Promise<AuthorizationWithChallenges> {
  if ((payload as { status?: unknown } | null)?.status !== "deactivated") throw new AcmeServerProblem("malformed", 'an authorization takes POST-as-GET or {"status": "deactivated"} (RFC 8555 §7.5.2)');
  const { authorization } = found;
  if (authorization.status !== "pending" && authorization.status !== "valid") throw new AcmeServerProblem("malformed", `the authorization is ${authorization.status}`);
  const [moved] = await moveAuthorization(ctx.db, authorization.id, authorization.status, { status: "deactivated", updatedAt: ctx.now });
  if (!moved) throw new AcmeServerProblem("malformed", "the authorization changed meanwhile; read it again");
  await invalidateOrder(ctx.db, authorization.orderId, "an authorization of the order was deactivated", ctx.now);
  return { ...found, authorization: moved };
}

async function invalidateOrder(db: Database, orderId: string, detail: string, now: number): Promise<void> {
  const error = { type: "urn:ietf:params:acme:error:unauthorized", detail, status: 403 };
  for (const from of ["pending", "ready"] as const) await moveOrder(db, orderId, from, { status: "invalid", error, updatedAt: now });
}

/**
 * RFC 8555 §7.5.1: the client says it is ready. A pending challenge of a pending authorization starts processing (its
 * validation handed to `background`); any other answers as it is (a re-POST is harmless, §7.5.1).
 */
export async function respondToChallenge(
  ctx: AcmeServerContext,
  account: AcmeServerAccountRow,
  id: string,
  verified: VerifiedJws,
  background: (work: Promise<unknown>) => void,
  settings?: ValidationSettings,
): Promise<{ challenge: AcmeChallengeRow; authorizationId: string }> {
  // §7.5.1: the body is {}; a legacy keyAuthorization is tolerated and never trusted.
  if (verified.payload !== undefined && (typeof verified.payload !== "object" || verified.payload === null || Array.isArray(verified.payload))) {
    throw new AcmeServerProblem("malformed", "a challenge takes {} (RFC 8555 §7.5.1)");
  }
  const challenge = await challengeById(ctx.db, id);
  const found = challenge ? await requireAuthorization(ctx, account, challenge.authorizationId).catch(() => null) : null;
  if (!challenge || !found) throw new AcmeServerProblem("malformed", `no challenge ${id.slice(0, 64)} for this account`);
  if (verified.payload === undefined || challenge.status !== "pending" || found.authorization.status !== "pending") return { challenge, authorizationId: found.authorization.id };
  const [processing] = await moveChallenge(ctx.db, challenge.id, "pending", { status: "processing", updatedAt: ctx.now });
  if (!processing) return { challenge: (await challengeById(ctx.db, id)) ?? challenge, authorizationId: found.authorization.id };
  if (settings) background(runValidation(ctx.db, found.authorization, processing, account.jwk as unknown as PublicJwk, settings));
  return { challenge: processing, authorizationId: found.authorization.id };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Attempts until valid, a final failure, or ATTEMPTS; then records the outcome with guarded moves. */
export async function runValidation(db: Database, authorization: AcmeAuthorizationRow, challenge: AcmeChallengeRow, jwk: PublicJwk, settings: ValidationSettings): Promise<void> {
  let failure: ValidationFailure | undefined;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      await validateOnce(authorization, challenge, jwk, settings);
      failure = undefined;
      break;
    } catch (error) {
      failure = error instanceof ValidationFailure ? error : new ValidationFailure(new AcmeServerProblem("serverInternal", "validation failed unexpectedly"), false);
      await moveChallenge(db, challenge.id, "processing", { attempts: attempt, updatedAt: Date.now() });
      if (failure.final || attempt === ATTEMPTS) break;
      await sleep(PAUSE_MS);
    }
  }
  const now = Date.now();
  if (failure) {
    const error = problemDocument(failure.problem) as unknown as Record<string, unknown>;
    await moveChallenge(db, challenge.id, "processing", { status: "invalid", error, updatedAt: now });
    await moveAuthorization(db, authorization.id, "pending", { status: "invalid", updatedAt: now });
    await invalidateOrder(db, authorization.orderId, `${authorization.identifier.value}: ${failure.problem.detail}`, now);
    return;
  }
  await moveChallenge(db, challenge.id, "processing", { status: "valid", validatedAt: now, updatedAt: now });
  await moveAuthorization(db, authorization.id, "pending", { status: "valid", expiresAt: now + 30 * 86_400_000, updatedAt: now });
  const all = await authorizationsOf(db, authorization.orderId);
  if (all.every((row) => row.status === "valid")) await moveOrder(db, authorization.orderId, "pending", { status: "ready", updatedAt: now });
}
