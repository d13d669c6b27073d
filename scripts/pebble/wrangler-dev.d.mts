/** Types for wrangler-dev.mjs (used by the Node tests). */
export interface WranglerDevHandle {
  name: string;
  logFile: string;
  exitCode: number | string | undefined;
  /** The port it listens on (another than asked when the port moved). */
  port: number;
  /** `http://127.0.0.1:<port>`, or `https://…` when started with `https`. */
  url: string;
}
export interface WranglerDevOptions {
  port: number;
  inspectorPort: number;
  persistTo: string;
  vars: Record<string, string>;
  logFile: string;
  debugLog: string;
  timeoutMs?: number;
  portMayMove?: boolean;
  /** Listen over TLS with this certificate and key (PEM files), issued by `caCert`. */
  https?: { cert: string; key: string; caCert: string };
}
/**
 * Rejects when wrangler fails or `timeoutMs` (default 120 s) ends it. With `reuse` (the default) the database is
 * migrated once per set of migrations and copied (scripts/pebble/migrated-state.mjs).
 */
export function applyMigrations(options: { persistTo: string; debugLog: string; timeoutMs?: number; reuse?: boolean }): Promise<void>;
export function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDevHandle>;
export function stopWranglerDev(handle: WranglerDevHandle): Promise<void>;
