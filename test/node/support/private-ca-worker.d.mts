/** Types for private-ca-worker.mjs. */
export interface RunningWorker {
  url: string;
  adminToken: string;
  runDir: string;
  /** The test CA that issued an HTTPS Worker's certificate (absent over plain HTTP). */
  caCert?: string;
  /** Stops it; with `keepLogs` its run directory stays and the end of its log is printed. */
  stop(keepLogs?: boolean): Promise<void>;
}
/** The longest the migrations and then wrangler dev's start may take: a caller's hook budget covers both. */
export const MIGRATIONS_TIMEOUT_MS: number;
export const START_TIMEOUT_MS: number;
export function startWorker(name: string, options?: { https?: boolean; vars?: Record<string, string> }): Promise<RunningWorker>;
