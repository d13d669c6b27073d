/** Types for e2e-environment.mjs (imported from the TypeScript global setup). */
export interface E2eValues {
  workerUrl: string;
  pebbleDirectoryUrl: string;
  pebbleManagementUrl: string;
  challtestsrvUrl: string;
  harnessUrl: string;
  dohUrl: string;
  adminToken: string;
  runDir: string;
}

export interface E2eEnvironment {
  values: E2eValues;
  stop(): Promise<void>;
}

export function startE2eEnvironment(options?: {
  wrangler?: boolean;
  log?: (line: string) => void;
  issuanceWaitSeconds?: number;
}): Promise<E2eEnvironment>;
