/** Awaits a promise that must reject with an AppError, and returns that error. */
import { expect } from "vitest";
import { AppError } from "../../../src/core/errors";

export async function expectAppError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}
