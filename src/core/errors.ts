/** One typed error for the whole core; each API surface renders it in its own wire style. */

/** The registry of machine-readable error codes and the HTTP status each one implies. */
export const errorStatus = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  invalid_certificate: 400,
  invalid_private_key: 400,
  key_mismatch: 400,
  domain_mismatch: 400,
  domain_not_configured: 400,
  challenge_failed: 400,
  not_revocable: 400,
  not_renewable: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  domain_taken: 409,
  limit_reached: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  configuration_error: 449,
  ca_error: 502,
  dns_provider_error: 502,
  deploy_target_error: 502,
  ca_unreachable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface AppErrorOptions {
  /** The field or parameter the error is about (rendered as OpenAI's `param`). */
  param?: string;
  /** Seconds the caller should wait before retrying (rendered as `Retry-After`). */
  retryAfter?: number;
  /** False when repeating the same request cannot succeed (certmagic's ErrNoRetry): renewal stops instead of backing off. */
  retryable?: boolean;
  /** Extra machine-readable detail (the field, the provider's status); never secrets. */
  detail?: unknown;
  /** Overrides the status of the code (e.g. a CA's own 4xx). */
  status?: number;
  cause?: unknown;
}

/** An AppError as plain data, for crossing an RPC boundary (the Durable Object) intact. */
export interface AppErrorData {
  code: ErrorCode;
  message: string;
  status: number;
  param?: string;
  retryAfter?: number;
  retryable: boolean;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly param?: string;
  readonly retryAfter?: number;
  readonly retryable: boolean;
  readonly detail?: unknown;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = options.status ?? errorStatus[code];
    if (options.param !== undefined) this.param = options.param;
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
    this.retryable = options.retryable ?? true;
    if (options.detail !== undefined) this.detail = options.detail;
  }

  toData(): AppErrorData {
    return {
      code: this.code,
      message: this.message,
      status: this.status,
      retryable: this.retryable,
      ...(this.param !== undefined ? { param: this.param } : {}),
      ...(this.retryAfter !== undefined ? { retryAfter: this.retryAfter } : {}),
    };
  }

  static fromData(data: AppErrorData): AppError {
    const { code, message, ...options } = data;
    return new AppError(code, message, options);
  }
}

export const badRequest = (message: string, param?: string) =>
  new AppError("bad_request", message, { param });
export const notFound = (message: string) => new AppError("not_found", message);

/** A project without a domain cannot hold a certificate: say how to give it one. */
export const projectHasNoDomain = (projectId: string) =>
  new AppError("domain_not_configured", `Project has no domain configured: set one with PATCH /api/v1/projects/${projectId} and {"domain": "app.example.com"}`);

/** Turns anything thrown into an AppError; unknown failures become a bare 500 with no internal detail. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError("internal", "Internal server error");
}
