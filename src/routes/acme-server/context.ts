/**
 * The ACME server's HTTP plumbing (RFC 8555 §6): the directory of the URL loaded (a deleted one is a 404 problem),
 * the linker, a `Replay-Nonce` on every answer (errors included), `Link: rel="index"` on all but the directory, and
 * errors as problem documents (RFC 7807) with `Retry-After` where they have one.
 */
import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { verifyJwsRequest, type VerifiedJws } from "../../acme-server/jws-verify";
import { type RequestNonces, requestNonces } from "../../acme-server/nonces";
import { AcmeServerProblem, PROBLEM_CONTENT_TYPE, problemDocument, toAcmeServerProblem } from "../../acme-server/problems";
import type { AppBindings } from "../../http/context";
import { commitWithAudit } from "../../http/audited-commit";
import { requireAccount } from "../../services/acme-server/accounts";
import type { AcmeServerContext } from "../../services/acme-server/context";
import { AcmeLinker } from "../../services/acme-server/linker";
import type { AcmeServerAccountRow } from "../../store/acme-server-accounts";
import { type AcmeDirectoryRow, directoryById } from "../../store/acme-server-directories";

export interface AcmeBindings extends AppBindings {
  Variables: AppBindings["Variables"] & { acme: AcmeServerContext; nonces: RequestNonces };
}
export type AcmeContext = Context<AcmeBindings>;

export const newAcmeRouter = () => new Hono<AcmeBindings>();

/** A problem document answer; `status` overrides the type's (a 404 for a directory that is not there). */
export function problemResponse(c: Context, problem: AcmeServerProblem, status?: number): Response {
  const body = { ...problemDocument(problem), ...(status !== undefined ? { status } : {}) };
  const headers: Record<string, string> = { "Content-Type": PROBLEM_CONTENT_TYPE };
  if (problem.retryAfterSeconds !== undefined) headers["Retry-After"] = String(problem.retryAfterSeconds);
  return c.body(JSON.stringify(body), (status ?? problem.status) as 400, headers);
}

export function acmeErrorHandler(error: Error, c: AcmeContext): Response {
  const problem = toAcmeServerProblem(error);
  if (problem !== error) console.error(`acme ${c.req.method} ${c.req.path} failed: ${error.name} ${(error.stack ?? "").split("\n").slice(1, 4).join(" | ")}`);
  return problemResponse(c, problem);
}

/**
 * Directories this isolate has read in use, by id. A directory's row changes only when it is deleted (and a deleted
 * one never comes back), so a kept row is right in all but `deletedAt`; see `acmeContext` for how that is checked.
 */
const keptDirectories = new Map<string, AcmeDirectoryRow>();
const KEPT_DIRECTORIES = 1000;

function keepDirectory(row: AcmeDirectoryRow): void {
  keptDirectories.delete(row.id);
  keptDirectories.set(row.id, row);
  // Past the bound the least recently kept goes (a Map iterates in insertion order).
  if (keptDirectories.size > KEPT_DIRECTORIES) keptDirectories.delete(keptDirectories.keys().next().value!);
}

/** POSTs signed with a `jwk` (or either), or with no JWS: every other POST is signed with an account's `kid`. */
const NOT_KID_POSTS = /\/(new-account|revoke-cert|new-nonce)$/;

/**
 * Loads the directory and sets the request's context; adds the nonce and index link to whatever is answered.
 *
 * A `kid` request (RFC 8555 §6.2: every POST but newAccount, revokeCert by the certificate's key and newNonce) starts
 * from the row kept from an earlier request, with no statement of its own: its handler's first step reads the account
 * (`requireAccount`), in a statement that also says whether the directory is still in use, and only then changes
 * anything. Whatever the request did not confirm so (it failed before, or the directory is gone) is read again
 * before answering, so a deleted directory answers its 404 as when it is read first. Other requests read the row.
 */
export const acmeContext: MiddlewareHandler<AcmeBindings> = async (c, next) => {
  const { db, clock, config } = c.var.deps;
  const directoryId = c.req.param("directoryId") ?? "";
  const url = new URL(c.req.url);
  const link = new AcmeLinker(url.origin, directoryId);
  const nonces = requestNonces(c.env);
  c.set("nonces", nonces);
  const validId = /^[A-Za-z0-9_]{1,64}$/.test(directoryId);
  const kept = validId && c.req.method === "POST" && !NOT_KID_POSTS.test(url.pathname) ? keptDirectories.get(directoryId) : undefined;
  const inUse = async () => {
    const row = validId ? await directoryById(db, directoryId) : undefined;
    if (!row || row.deletedAt !== null) {
      keptDirectories.delete(directoryId);
      return undefined;
    }
    keepDirectory(row);
    return row;
  };
  const directory = kept ?? (await inUse());
  const gone = () => problemResponse(c, new AcmeServerProblem("malformed", `no ACME directory at ${link.directory()}`), 404);
  if (!directory) {
    c.res = gone();
  } else {
    const now = clock.now();
    const action = `${c.req.method} ${url.pathname.replace(link.base, "/acme/:directoryId").replace(/\/(acct|order|authz|chall|cert)\/[^/]+/, "/$1/:id")}`;
    const ctx: AcmeServerContext = {
      db,
      encryptionKey: config.ENCRYPTION_KEY,
      now,
      maxLeafDays: config.PRIVATE_CA_MAX_LEAF_DAYS,
      maxCertificates: config.PRIVATE_CERTIFICATES_PER_TEAM,
      directory,
      link,
      commitAs: (actor) => commitWithAudit(db, { actor, action }, () => clock.now()),
      directoryConfirmed: kept === undefined,
    };
    c.set("acme", ctx);
    await next();
    if (!ctx.directoryConfirmed && !(await inUse())) c.res = gone();
  }
  // RFC 8555 §6.5: every answer carries a fresh nonce, so a client never needs an extra newNonce round trip.
  c.res.headers.set("Replay-Nonce", await nonces.next());
  c.res.headers.set("Cache-Control", "no-store");
  if (url.pathname !== new URL(link.directory()).pathname) c.res.headers.append("Link", `<${link.directory()}>;rel="index"`);
};

/** The request's URL as the client must have signed it (RFC 8555 §6.4): the linker's base and the path, no query. */
const canonicalUrl = (c: AcmeContext) => `${c.var.acme.link.origin}${new URL(c.req.url).pathname}`;

/** Verifies the JWS (RFC 8555 §6.2-6.5); with `kid`, also answers the account behind it. */
export async function verifiedRequest(c: AcmeContext, key: "jwk" | "kid" | "either"): Promise<{ verified: VerifiedJws; account: AcmeServerAccountRow | null }> {
  const ctx = c.var.acme;
  let account: AcmeServerAccountRow | null = null;
  const verified = await verifyJwsRequest(await c.req.text(), c.req.header("Content-Type"), {
    url: canonicalUrl(c),
    key,
    accountKey: async (kid) => {
      account = await requireAccount(ctx, kid);
      return account ? (account.jwk as JsonWebKey) : null;
    },
    redeemNonce: (nonce) => c.var.nonces.redeem(nonce),
  });
  return { verified, account };
}

/** A `kid` request's account (RFC 8555 §6.2). */
export async function accountRequest(c: AcmeContext): Promise<{ verified: VerifiedJws; account: AcmeServerAccountRow }> {
  const { verified, account } = await verifiedRequest(c, "kid");
  return { verified, account: account! };
}

/** RFC 8555 §7.1.6: pending objects tell the client when to poll again. */
export const RETRY_AFTER_SECONDS = "2";
