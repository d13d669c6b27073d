/** Types for acme-client-binaries.mjs (imported from the TypeScript client tests and scripts/test.mjs). */
export type AcmeClientName = "certbot" | "lego" | "dehydrated" | "caddy";
export const ACME_CLIENT_NAMES: readonly AcmeClientName[];
export const ACME_CLIENTS_MISSING_MESSAGE: string;
export function findAcmeClients(env?: Record<string, string | undefined>): Record<AcmeClientName, string | null>;
export function missingAcmeClients(env?: Record<string, string | undefined>): AcmeClientName[];
