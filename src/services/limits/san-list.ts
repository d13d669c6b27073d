/** The names one certificate may carry: de-duplicated, and at most as many as the CA signs. */
import { AppError } from "../../core/errors";

/** Let's Encrypt's limit of names per certificate (https://letsencrypt.org/docs/rate-limits/, "Limits"). */
export const MAX_NAMES_PER_CERTIFICATE = 100;

/**
 * `names` lower-cased, without a trailing dot, duplicates dropped (first occurrence kept); a 400 naming `param`
 * when none is left or more than MAX_NAMES_PER_CERTIFICATE are.
 */
export function sanList(names: readonly string[], param: string): string[] {
  const unique = [...new Set(names.map((name) => name.trim().toLowerCase().replace(/\.$/, "")))];
  if (unique.length === 0) throw new AppError("validation_failed", `${param}: give at least one name`, { param });
  if (unique.length > MAX_NAMES_PER_CERTIFICATE) {
    throw new AppError("validation_failed", `${param}: at most ${MAX_NAMES_PER_CERTIFICATE} names per certificate (${unique.length} given)`, { param });
  }
  return unique;
}
