/**
 * One D1 session per request, for D1 read replication
 * (https://developers.cloudflare.com/d1/best-practices/read-replication/): reads are answered by a nearby replica,
 * writes go to the primary, and a client that sends back the bookmark of an answer reads at least what that answer saw
 * (its own writes included).
 *
 * - GET, HEAD and OPTIONS start from the bookmark the client sent in `x-d1-bookmark` (the header name of Cloudflare's
 *   example), else "first-unconstrained": any instance may answer, replica or primary.
 * - Every other method starts "first-primary", bookmark or not: a change is decided on the latest data (its first
 *   query, usually the token or ownership check, reads the primary; the rest of the session is at least that new).
 *   The primary is at least as new as any bookmark, so the client still reads its own writes; a bookmark would let
 *   the checks before a change read a replica that lacks another client's latest write.
 * - Every answer whose session ran a query carries the session's latest bookmark in `x-d1-bookmark`; for a change,
 *   the primary's (see `primaryBookmark`). An answer whose session ran none carries none, and costs no statement.
 *
 * The cron, the queue consumer and the Durable Objects use no session (deps.ts): their queries go to the primary.
 */
import { AppError } from "../core/errors";
import { type Database, sessionDatabase } from "../db/client";

export const BOOKMARK_HEADER = "x-d1-bookmark";

/** Methods that change nothing (RFC 9110 §9.2.1): their reads may come from any replica. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * D1 documents a bookmark as a lexicographically sortable string (https://developers.cloudflare.com/d1/reference/time-travel/#bookmarks)
 * and shows it as four groups of hex digits (`00000085-0000024c-00004c6d-8e61117bf38d7adb71b934ebbf891683`). What it
 * does with anything else is not documented, and the local simulator takes any string and echoes it back. So a value
 * that is not hyphen-separated hex groups is a 400 before the session opens, nothing run: the client learns that its
 * header is wrong instead of meeting whatever D1 answers halfway through the request. Looser than today's shape (any
 * number and length of groups, 128 characters at most), so that a longer bookmark D1 might hand out later still passes.
 * A well-formed bookmark D1 never issued (one from the future) costs only the sender's own request: D1 decides.
 */
const BOOKMARK = /^[0-9a-f]+(?:-[0-9a-f]+)+$/i;
const BOOKMARK_MAX = 128;

/** Whether `method` changes nothing, so that its reads may come from a replica. */
const isSafe = (method: string) => SAFE_METHODS.has(method.toUpperCase());

/**
 * What the request's session starts from (the argument of `withSession`): for a read (a safe method, or a request
 * that changes nothing: http/read-only.ts) its bookmark, else
 * "first-unconstrained"; for any other "first-primary". A malformed bookmark is refused whatever the method, so a
 * client learns of it on its first request.
 */
export function sessionStart(method: string, bookmarkHeader: string | undefined, readOnly = isSafe(method)): string {
  // Empty counts as absent: Cloudflare's example answers `session.getBookmark() ?? ""`, which a client may echo.
  const bookmark = bookmarkHeader?.trim() ?? "";
  if (bookmark !== "" && (bookmark.length > BOOKMARK_MAX || !BOOKMARK.test(bookmark))) {
    throw new AppError(
      "bad_request",
      `The ${BOOKMARK_HEADER} header must be the value of an earlier answer's ${BOOKMARK_HEADER} header, or absent`,
      { param: BOOKMARK_HEADER, retryable: false },
    );
  }
  if (!readOnly) return "first-primary";
  return bookmark === "" ? "first-unconstrained" : bookmark;
}

/** The later of two bookmarks: they sort lexicographically, oldest first (D1's time-travel docs, as above). */
function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? b : a;
}

/**
 * The primary's bookmark now, or null when it cannot be had (then the session's own bookmark is answered).
 *
 * Why a change answers the primary's bookmark and not only its session's: some writes made on the client's behalf do
 * not go through the request's session. The CertificateIssuer object stores an obtained certificate with its own
 * binding (an entry point builds its own Deps), so the session's bookmark, which covers only the session's queries,
 * may be older than that write, and a client sending it back could read a replica without the certificate. One
 * `SELECT 1` on a new "first-primary" session, after the handler, returns a bookmark that covers every write
 * committed by then. Not on the request's own session: after its first query a "first-primary" session may be served
 * by any replica as new as that query, so a second query on it need not reach the primary.
 *
 * Cost, on changes only (GET and HEAD pay nothing): one statement more, reading no rows (D1 bills rows read and
 * written: https://developers.cloudflare.com/d1/platform/pricing/), and one round trip to the primary, which a change
 * makes anyway for its writes. Counted in test/unit/http/d1-session.test.ts.
 */
async function primaryBookmark(binding: D1Database): Promise<string | null> {
  try {
    const probe = binding.withSession("first-primary");
    await probe.prepare("SELECT 1").first();
    return probe.getBookmark();
  } catch (error) {
    // The change is made; only the bookmark's reach is lost. Never fail the answer for it.
    console.error(`d1 session: could not read the primary's bookmark: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

export interface RequestSession {
  /** The request's database client: a drizzle client over its session. */
  db: Database;
  /** The bookmark to answer (after the handler ran), or null when the session ran no query. */
  bookmark(): Promise<string | null>;
}

/**
 * Opens the request's session on `binding` (whose no-session client is `primary`). Throws AppError("bad_request")
 * for a malformed `x-d1-bookmark`, before anything runs.
 */
export function openRequestSession(
  binding: D1Database,
  primary: Database,
  method: string,
  bookmarkHeader: string | undefined,
  readOnly = isSafe(method),
): RequestSession {
  const start = sessionStart(method, bookmarkHeader, readOnly);
  const session = binding.withSession(start);
  const changes = !readOnly;
  return {
    db: sessionDatabase(session, { primary, replicaReads: start !== "first-primary" }),
    async bookmark() {
      const own = session.getBookmark();
      // A session that ran no query (a 401 for a malformed token, a 404 for no route) answers no bookmark and costs no
      // D1 statement, change or not: every route that makes a change reads through its session first (the owner's
      // row), so a write made for it elsewhere (the CertificateIssuer object's) only follows a query of the session.
      if (own === null) return null;
      return changes ? later(own, await primaryBookmark(binding)) : own;
    },
  };
}
