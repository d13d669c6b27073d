/** The last line of defence: whatever a library throws on hostile input leaves the PKI core as a 4xx AppError. */
import { AppError, type ErrorCode } from "../core/errors";

/** Returns `error` when it is already an AppError, else a 400 of `code` with a fixed message (no library text). */
export function asAppError(error: unknown, code: ErrorCode, message: string): AppError {
  return error instanceof AppError ? error : new AppError(code, message, { cause: error });
}
