/** The names one certificate may carry: de-duplicated, and at most as many as the CA signs. */
import { AppError } from "../../core/errors";

/** Let's Encrypt's limit of names per certificate (https://letsencrypt.org/docs/rate-limits/, "Limits"). */
export const MAX_NAMES_PER_CERTIFICATE = 100;

/** `names` lower-cased, without a trailing dot, duplicates dropped (first occurrence kept). */
function distinctNames(names: readonly string[]): string[] {
  return [...new Set(names.map((name) => name.trim().toLowerCase().replace(/\.$/, "")))];
}

function tooMany(param: string, count: number): AppError {
  return new AppError("validation_failed", `${param}: at most ${MAX_NAMES_PER_CERTIFICATE} names per certificate (${count} given)`, { param });
}

/**
 * `names` lower-cased, without a trailing dot, duplicates dropped (first occurrence kept); a 400 naming `param`
 * when none is left or more than MAX_NAMES_PER_CERTIFICATE are.
 */
export function sanList(names: readonly string[], param: string): string[] {
  const unique = distinctNames(names);
  if (unique.length === 0) throw new AppError("validation_failed", `${param}: give at least one name`, { param });
  if (unique.length > MAX_NAMES_PER_CERTIFICATE) throw tooMany(param, unique.length);
  return unique;
}

/**
 * The cap on an uploaded certificate: a 400 naming `param` when it presents more than MAX_NAMES_PER_CERTIFICATE
 * distinct names. Its names are stored with it and carried by every webhook event about it, so a certificate that no
 * CA of the Web PKI would sign for that many names is not stored either, whatever the policy waives.
 */
export function requireNameLimit(names: readonly string[], param: string): void {
  const count = distinctNames(names).length;
  if (count > MAX_NAMES_PER_CERTIFICATE) throw tooMany(param, count);
}
