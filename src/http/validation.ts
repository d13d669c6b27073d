/** Turns zod validation failures from route schemas into one specific 400 message. */
import type { z } from "zod";
import { AppError } from "../core/errors";

/** "certificate: Required" style: the first problem, with the field path it concerns. */
export function describeZodError(error: z.ZodError, target?: string): { message: string; param?: string } {
  const issue = error.issues[0];
  if (!issue) return { message: "Invalid request" };
  const path = issue.path.map(String).join(".");
  const where = path || (target === "json" ? "body" : target ?? "request");
  const what = issue.code === "invalid_type" && issue.input === undefined ? "Required" : issue.message;
  return { message: `${where}: ${what}`, param: path || undefined };
}

/** The defaultHook for every OpenAPIHono router: a failed schema becomes an AppError (rendered per surface). */
export function validationHook(result: { success: boolean; error?: unknown; target?: string }): void {
  if (result.success) return;
  const { message, param } = describeZodError(result.error as z.ZodError, result.target);
  throw new AppError("validation_failed", message, { param });
}
