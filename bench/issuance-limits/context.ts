/**
 * What this benchmark's vitest config and global setup hand to the measure files (vitest `provide`/`inject`), and the
 * marker the runner looks for in vitest's output. Imported by both sides; declares nothing else.
 */

/** Settings from run.mjs (through the config's `provide`). */
export interface IssuanceLimitsOptions {
  /** Samples per CPU operation (RSA 2048/3072 key generation and every other operation). */
  runs: number;
  /** Samples of RSA 4096 key generation (seconds each on a slow machine). */
  runs4096: number;
  /** Rounds of the issuance flows (each a fresh team and fresh names). */
  rounds: number;
}

/** Started by global-setup.ts (Node side). */
export interface IssuanceLimitsServers {
  /** PUT/DELETE /token/<token> (body: key authorization): what the HTTP-01 responder answers Pebble with. */
  http01ControlUrl: string;
  /** The address the HTTP-01 responder listens on (Pebble's HTTP-01 port, on another loopback address). */
  http01Address: string;
  /** POST /sample {op, spec, batch, …} → {ms, node}: the same operation timed on Node's WebCrypto. */
  nodeBaselineUrl: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    issuanceLimitsOptions: IssuanceLimitsOptions;
    issuanceLimitsServers: IssuanceLimitsServers;
  }
}

/** One line of vitest's output per measure file: this marker, a space, then the JSON. */
export const RESULT_MARKER = "ISSUANCE_LIMITS_RESULT";

/** A CPU-bound operation both runtimes time: what /sample takes. */
export type CpuOp =
  | { op: "keygen"; spec: CpuKeySpec }
  | { op: "csr"; spec: CpuKeySpec }
  | { op: "jws" }
  | { op: "check"; chainPem: string; keyPem: string; domain: string; label: string };

export type CpuKeySpec = "RSA-2048" | "RSA-3072" | "RSA-4096" | "EC-P256" | "EC-P384";
