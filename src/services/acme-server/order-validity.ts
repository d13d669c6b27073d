/**
 * newOrder's `notBefore`/`notAfter` (RFC 8555 §7.1.3, §7.4): honoured by a private issuer when they are RFC 3339
 * date-times that make a window inside the directory's `validityHours` and not in the past; refused by a relay issuer,
 * whose public CA sets the validity itself.
 */
import { AcmeServerProblem } from "../../acme-server/problems";
import { HOUR_MS } from "../../core/time";
import type { AcmeDirectoryIssuer } from "../../db/schema";

/** RFC 3339 §5.6 date-time: full-date "T" full-time, with a Z or ±hh:mm offset. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/** How far in the past a notBefore may lie: clocks of clients differ a little from ours. */
export const NOT_BEFORE_SKEW_MS = 5 * 60_000;

/** Milliseconds since the epoch of an RFC 3339 date-time, or null when it is not one (a 31 February included). */
export function parseRfc3339(value: string): number | null {
  const m = DATE_TIME.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  // Leap seconds (second 60) are not representable in ECMAScript time: refused rather than shifted.
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, Math.floor(Number(`0${m[7] ?? ""}`) * 1000));
  if (new Date(local).getUTCDate() !== day) return null;
  const offsetMinutes = m[9] === undefined ? 0 : (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (m[9] !== undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return null;
  return local - offsetMinutes * 60_000;
}

function field(body: Record<string, unknown>, name: "notBefore" | "notAfter"): number | null {
  const value = body[name];
  if (value === undefined) return null;
  const at = typeof value === "string" ? parseRfc3339(value) : null;
  if (at === null) throw new AcmeServerProblem("malformed", `${name} must be an RFC 3339 date-time such as 2030-01-01T00:00:00Z (RFC 8555 §7.1.3)`);
  return at;
}

/** The order's requested window (null where the client left it to us), or the ACME problem that refuses it. */
export function requestedValidity(issuer: AcmeDirectoryIssuer, body: Record<string, unknown>, now: number): { notBefore: number | null; notAfter: number | null } {
  if (body.notBefore === undefined && body.notAfter === undefined) return { notBefore: null, notAfter: null };
  if (issuer.type !== "private") {
    throw new AcmeServerProblem("malformed", "this directory relays to a public CA, which sets the validity itself: send no notBefore or notAfter (RFC 8555 §7.4)");
  }
  const notBefore = field(body, "notBefore");
  const notAfter = field(body, "notAfter");
  const maxMs = issuer.validityHours * HOUR_MS;
  if (notBefore !== null && notBefore < now - NOT_BEFORE_SKEW_MS) throw new AcmeServerProblem("malformed", "notBefore is in the past: a certificate is not backdated");
  if (notBefore !== null && notBefore >= now + maxMs) throw new AcmeServerProblem("malformed", `notBefore is more than this directory's validityHours (${issuer.validityHours}) ahead`);
  if (notAfter !== null && notAfter <= now) throw new AcmeServerProblem("malformed", "notAfter is in the past");
  if (notAfter !== null && notBefore !== null && notAfter <= notBefore) throw new AcmeServerProblem("malformed", "notAfter must be later than notBefore");
  if (notAfter !== null && notAfter - (notBefore ?? now) > maxMs) {
    throw new AcmeServerProblem("malformed", `the requested validity is longer than this directory's validityHours (${issuer.validityHours})`);
  }
  return { notBefore, notAfter };
}
