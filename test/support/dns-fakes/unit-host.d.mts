/** Types for unit-host.mjs (imported by vitest.config.ts and the unit tests). */
export const DNS_FAKE_ORIGIN: string;
export const DNS_FAKE_ZONES: string[];
export function handleDnsFake(request: Request): Promise<Response>;
