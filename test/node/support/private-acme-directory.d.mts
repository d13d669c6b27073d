/** Types for private-acme-directory.mjs. */
export interface PrivateDirectory {
  token: string;
  rootPem: string;
  issuing: { id: string; crlUrl: string };
  directory: { id: string; directoryUrl: string };
  eabKey(): Promise<{ keyId: string; hmacKey: string }>;
}
export function createPrivateDirectory(
  baseUrl: string,
  adminToken: string,
  options: { slug: string; domain: string; authorization?: "pre-approved" | "challenge" },
): Promise<PrivateDirectory>;
export interface RelayDirectory {
  token: string;
  directory: { id: string; directoryUrl: string };
  eabKey(): Promise<{ keyId: string; hmacKey: string }>;
}
export function createRelayDirectory(baseUrl: string, adminToken: string, options: { slug: string; domains: string[] }): Promise<RelayDirectory>;
