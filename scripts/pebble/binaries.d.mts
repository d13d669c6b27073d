/** Types for binaries.mjs. */
export const PEBBLE_MISSING_MESSAGE: string;
export function findPebbleBinaries(env?: NodeJS.ProcessEnv): { pebble: string; challtestsrv: string } | null;
export function which(name: string, env?: NodeJS.ProcessEnv): string | null;
