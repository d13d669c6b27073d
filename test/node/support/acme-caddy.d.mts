/** Types for acme-caddy.mjs. */
import type { ClientOptions } from "./acme-clients.mjs";
export interface CaddyServe {
  ok: boolean;
  seconds: number;
  files: Record<string, { certificate: string; key: string; fullchain: string }>;
  logFile: string;
  logTail: string;
}
export interface CaddyClient {
  name: "caddy";
  dir: string;
  logFile: string;
  serve(names: string[], body?: string): Promise<CaddyServe>;
  stop(): Promise<void>;
}
export function caddyClient(options: ClientOptions & { httpsPort: number }): CaddyClient;
