/** The scopes an API token can carry, and the one rule for what a set of scopes covers. Each route names the one it needs. */
export const SCOPES = [
  "projects:read",
  "projects:write",
  "certs:read",
  "certs:write",
  "organization:read",
  "organization:write",
  "tokens:read",
  "tokens:write",
  // Hands out private keys (routes/native/certificate-export.ts, routes/vercel/export-cert.ts). Neither `:read` nor
  // `:write`, so hasScope lets nothing imply it and it implies nothing: only the bootstrap token and tokens granted
  // it by name hold it.
  "certificates:export",
  // Where the team's certificate events are sent (routes/native/webhooks.ts): endpoints, their deliveries.
  "webhooks:read",
  "webhooks:write",
  // The team's private CAs (routes/native/private-ca*.ts): `cas:write` creates and disables CAs, `cas:issue` issues and
  // revokes their certificates. `cas:issue` ends in neither `:read` nor `:write`, so no other scope implies it.
  "cas:read",
  "cas:write",
  "cas:issue",
  // The team's saved DNS connections (routes/native/dns-connections.ts): `dns:write` adds, rotates and removes them.
  // Obtaining with one takes only `projects:write`: the credentials never leave the service.
  "dns:read",
  "dns:write",
  // The team's ACME server directories and their EAB keys (routes/native/acme-directories.ts). What an ACME account
  // may do afterwards is the directory's rules, not a token's scopes.
  "acme-server:read",
  "acme-server:write",
] as const;

export type Scope = (typeof SCOPES)[number];

/**
 * Whether `granted` covers `needed`: held as such, or a `:read` through its `:write`.
 * The only place that implication lives: route checks and grant/revoke checks all ask here.
 */
export function hasScope(granted: readonly string[], needed: string): boolean {
  if (granted.includes(needed)) return true;
  return needed.endsWith(":read") && granted.includes(`${needed.slice(0, -":read".length)}:write`);
}

/** The scopes of `wanted` that `granted` does not cover, in the order given (empty when it covers them all). */
export function scopesNotHeld(granted: readonly string[], wanted: readonly string[]): string[] {
  return [...new Set(wanted)].filter((scope) => !hasScope(granted, scope));
}
