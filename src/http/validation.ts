/** Turns zod validation failures from route schemas into one specific 400 message. */
import type { z } from "zod";
import { AppError } from "../core/errors";

type Issue = z.ZodError["issues"][number];

/** What zod says a value should have been (invalid_type's `expected`), as "must be …" says it. */
const EXPECTED: Record<string, string> = {
  number: "a number",
  int: "an integer",
  bigint: "an integer",
  string: "a string",
  boolean: "true or false",
  object: "an object",
  array: "an array",
  date: "a date",
  null: "null",
};

/** The value at `path` inside `input`: undefined when it, or anything on the way to it, is absent. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * Zod's own English message for a value of the wrong type or outside a set ("Invalid input: expected number, received
 * NaN", "Invalid option: expected one of …"); a schema's own message (`.int("must be an integer")`) is kept as it is.
 */
const ZOD_DEFAULT = /^Invalid (input|option)(:|$)/;

/** The message for a value that was given but is wrong: of the wrong type, or not one of the values allowed. */
function whatIsWrong(issue: Issue): string {
  if (!ZOD_DEFAULT.test(issue.message)) return issue.message;
  if (issue.code === "invalid_type") return `must be ${EXPECTED[issue.expected] ?? `of type ${issue.expected}`}`;
  if (issue.code === "invalid_value") {
    const values = issue.values.map(String);
    return values.length === 1 ? `must be ${values[0]}` : `must be one of ${values.join(", ")}`;
  }
  return issue.message;
}

/**
 * "certificate: Required" style: the first problem, with the field path it concerns. `input` is what was validated
 * (the query, path parameters or body): zod v4 does not keep it on its issues, and without it a value given with the
 * wrong type ("?limit=abc") cannot be told from a missing one; with it, only a missing value is "Required".
 */
export function describeZodError(error: z.ZodError, target?: string, input?: unknown): { message: string; param?: string } {
  const issue = error.issues[0];
  if (!issue) return { message: "Invalid request" };
  const path = issue.path.map(String).join(".");
  const where = path || (target === "json" ? "body" : target ?? "request");
  const missing = valueAt(input, issue.path) === undefined;
  // A missing value fails its type (or its set of values: an enum, a literal); any other rule's message stands.
  const what = !missing ? whatIsWrong(issue) : issue.code === "invalid_type" || issue.code === "invalid_value" ? "Required" : issue.message;
  return { message: `${where}: ${what}`, param: path || undefined };
}

/**
 * The defaultHook for every OpenAPIHono router: a failed schema becomes an AppError (rendered per surface). The hook's
 * `data` on a failure is the input as validated (@hono/zod-validator passes it before the parse result).
 */
export function validationHook(result: { success: boolean; error?: unknown; target?: string; data?: unknown }): void {
  if (result.success) return;
  const { message, param } = describeZodError(result.error as z.ZodError, result.target, result.data);
  throw new AppError("validation_failed", message, { param });
}
