/** Types for private-ca-worker.mjs. */
export interface RunningWorker {
  url: string;
  adminToken: string;
  runDir: string;
  /** Stops it; with `keepLogs` its run directory stays and the end of its log is printed. */
  stop(keepLogs?: boolean): Promise<void>;
}
export function startWorker(name: string): Promise<RunningWorker>;
