/** Shared assertions for the PKI unit tests. */
import { expect } from "vitest";
import { AppError, type ErrorCode } from "../../../src/http/errors";

/** Runs `run` and asserts it throws a 4xx AppError of `code` whose message is `want` (exactly, or by regex). */
export async function expectAppError(run: () => unknown, code: ErrorCode, want: string | RegExp): Promise<AppError> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  expect(caught, "should throw an AppError").toBeInstanceOf(AppError);
  const error = caught as AppError;
  expect(error.status).toBeGreaterThanOrEqual(400);
  expect(error.status).toBeLessThan(500);
  expect(error.code).toBe(code);
  if (typeof want === "string") expect(error.message).toBe(want);
  else expect(error.message).toMatch(want);
  return error;
}
