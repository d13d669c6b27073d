/** Types for chromium.mjs (imported from the TypeScript browser tests and scripts/test.mjs). */
export const CHROMIUM_MISSING_MESSAGE: string;
export const CHROMIUM_ARGS: string[];
export function findChromium(env?: Record<string, string | undefined>): string | null;
