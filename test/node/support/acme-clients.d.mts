/** Types for acme-clients.mjs. */
export interface ClientRun {
  ok: boolean;
  exitCode: number | string | null | undefined;
  timedOut: boolean;
  seconds: number;
  logFile: string;
  /** The last lines of the client's log when it failed (empty when it succeeded). */
  logTail: string;
}
/** What a client wrote: `certificate` starts with the leaf (lego's holds its issuers after it), `chain` the issuers. */
export interface IssuedFiles {
  certificate: string;
  key: string;
  chain: string;
  fullchain: string;
}
export interface ObtainRun extends ClientRun {
  files?: IssuedFiles;
}
export interface ClientOptions {
  directoryUrl: string;
  eab: { keyId: string; hmacKey: string };
  /** The CA of an HTTPS directory's certificate, trusted by the client's documented means. */
  caCert?: string;
  /** Where the client answers http-01 itself (127.0.0.1). */
  http01Port: number;
  /** The client's own directory (config, state, logs, HOME). */
  dir: string;
  timeoutMs?: number;
  binary?: string;
}
export interface AcmeClient {
  name: string;
  dir: string;
  obtain(names: string[]): Promise<ObtainRun>;
  /** Forced: a new certificate whatever the old one's remaining time. */
  renew(names: string[]): Promise<ObtainRun>;
  revoke(names: string[]): Promise<ClientRun>;
  /** Kills whatever run is still going (its process group). */
  stop(): Promise<void>;
}
export function certbotClient(options: ClientOptions): AcmeClient;
export function legoClient(options: ClientOptions): AcmeClient;
export function dehydratedClient(options: ClientOptions): AcmeClient;
export function logTail(file: string, lines?: number): string;
export function runClient(
  label: string,
  command: string,
  args: string[],
  options: { env: Record<string, string | undefined>; cwd?: string; logFile: string; timeoutMs?: number },
): Promise<ClientRun>;
