/** zod building blocks for provider credentials: messages name the field and the rule, never the value. */
import { z } from "zod";

/** "Required" when the field is missing, "Must be <kind>" when it has the wrong type. */
export function typed(kind: string) {
  return { error: (issue: { input: unknown }) => (issue.input === undefined ? "Required" : `Must be ${kind}`) };
}

/** A secret or identifier string: trimmed, non-empty, bounded, no whitespace inside. */
export function token(max: number) {
  return z
    .string(typed("a string"))
    .trim()
    .min(1, { error: "Must not be empty" })
    .max(max, { error: `Must be at most ${max} characters` })
    .regex(/^\S+$/, { error: "Must not contain whitespace" })
    .regex(/^[\x21-\x7e]+$/, { error: "Must contain only printable ASCII characters" });
}

/** A provider's credentials object: unknown fields are refused, so a typo is reported instead of ignored. */
export function credentialsObject<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.strictObject(shape, typed("an object"));
}

/** An identifier with a documented format (a region, a zone ID): trimmed, then checked against `pattern`. */
export function matching(pattern: RegExp, error: string) {
  return z.string(typed("a string")).trim().regex(pattern, { error });
}
