/** Every scope a team's bootstrap token holds, written out: tests assert the wire list, not the implementation's. */
export const ALL_SCOPES = [
  "projects:read",
  "projects:write",
  "certs:read",
  "certs:write",
  "organization:read",
  "organization:write",
  "tokens:read",
  "tokens:write",
  "certificates:export",
  "webhooks:read",
  "webhooks:write",
  "cas:read",
  "cas:write",
  "cas:issue",
  "dns:read",
  "dns:write",
];
