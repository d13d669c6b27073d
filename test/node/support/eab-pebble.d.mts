/** Types for eab-pebble.mjs. */
export interface EabPebble {
  directoryUrl: string;
  /** The CA of Pebble's own HTTPS certificate, for the clients to trust. */
  caCert: string;
  eab: { keyId: string; hmacKey: string };
  httpPort: number;
  logFile: string;
  /** The root that signs what Pebble issues (new on every start). */
  rootPem(): Promise<string>;
  /** "Valid" or "Revoked" (Pebble's management API); `serial` in hex. */
  certificateStatus(serial: string): Promise<string>;
  stop(): Promise<void>;
}
export function startEabPebble(options: { runDir: string; httpPort?: number; alwaysValid?: boolean }): Promise<EabPebble>;
