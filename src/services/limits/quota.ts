/** Per-team storage quotas: how a refusal reads (409 limit_reached, naming the limit and how to make room). */
import { AppError } from "../../core/errors";

/** `bytes` for people: "4 MiB", "512 KiB", "900 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}

/**
 * The refusal for a write that would pass a quota: a 409, as the request is fine and the team's state is what
 * stands in the way (RFC 9110 §15.5.10); nothing was changed.
 */
export function limitReached(message: string, param?: string): AppError {
  return new AppError("limit_reached", message, param === undefined ? { retryable: false } : { param, retryable: false });
}
