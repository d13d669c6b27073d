/** The failures `certdesk` tells apart, each with the exit code `certdesk --help` documents. */

export const EXIT = { ok: 0, failed: 1, usage: 2, api: 3, reload: 4 };

/** Wrong arguments or no configuration: exit 2. */
export class UsageError extends Error {
  exitCode = EXIT.usage;
}

/** The server refused or could not be reached: exit 3, with the API's own message. */
export class ApiError extends Error {
  exitCode = EXIT.api;
}

/** The reload hook exited non-zero (the new files are in place): exit 4. */
export class ReloadError extends Error {
  exitCode = EXIT.reload;
}
