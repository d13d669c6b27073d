/** Types for deploy.mjs (imported by the Node-side tests). */
export interface WranglerResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `wrangler <args>`: captured, or with `stream` shown to the user as it comes (nothing captured). */
export type WranglerRun = (args: string[], options?: { stream?: boolean }) => Promise<WranglerResult>;

export const REQUIRED_SECRETS: Record<string, string>;

export const TEST_ONLY_VARIABLES: string[];

export class DeployError extends Error {}

export function deploy(options: {
  root: string;
  run: WranglerRun;
  log?: (line: string) => void;
  configFile?: string;
  outputFile?: string;
}): Promise<string>;
