/** Types for wrangler-dev.mjs (imported from TypeScript tests). */
export interface WranglerDevHandle {
  name: string;
  logFile: string;
  exitCode: number | string | undefined;
}
export interface WranglerDevOptions {
  port: number;
  inspectorPort: number;
  persistTo: string;
  vars: Record<string, string>;
  logFile: string;
  debugLog: string;
  timeoutMs?: number;
}
export function applyMigrations(options: { persistTo: string; debugLog: string }): Promise<void>;
export function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDevHandle>;
export function stopWranglerDev(handle: WranglerDevHandle): Promise<void>;
