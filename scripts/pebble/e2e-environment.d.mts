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
  /** More `wrangler dev --var`s (e.g. DNS_API_BASE_URLS pointing a provider at a local fake). */
  extraVars?: Record<string, string>;
  /** A fixed port for the Worker (Pebble validates HTTP-01 there); a free one otherwise. */
  workerPort?: number;
  /** Fixed ports for challtestsrv and the main Pebble (`npm run start:pebble`); free ones otherwise. */
  fixedPorts?: { challtestsrv: number; dns: number; pebble: { acme: number; management: number; tls: number } };
  /** Where configs and logs go; a new directory under .tmp/pebble otherwise. */
  runDir?: string;
}): Promise<E2eEnvironment>;
