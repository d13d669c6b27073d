/** Types for private-ca-worker.mjs. */
export interface RunningWorker {
  url: string;
  adminToken: string;
  runDir: string;
  stop(keepLogs?: boolean): Promise<void>;
}
export function startWorker(name: string): Promise<RunningWorker>;
