/** The scopes an API token can carry. Each route names the one it needs. */
export const SCOPES = [
  "projects:read",
  "projects:write",
  "certs:read",
  "certs:write",
  "organization:read",
  "organization:write",
  "tokens:read",
  "tokens:write",
] as const;

export type Scope = (typeof SCOPES)[number];

/** A `:write` scope implies its `:read` scope. */
export function hasScope(granted: readonly string[], needed: Scope): boolean {
  if (granted.includes(needed)) return true;
  return needed.endsWith(":read") && granted.includes(needed.replace(/:read$/, ":write"));
}
