/**
 * What bench/validate-throughput.mjs hands to bench/validate-cpu/cpu.measure.ts (vitest `provide`/`inject`, through
 * vitest.config.ts), and the marker of the one result line the measure prints. Declares nothing else.
 */

export interface ValidateCpuChain {
  /** "RSA-2048", "EC P-256": the chain's key type, as the throughput table names it. */
  label: string;
  /** The validate request's body, exactly as the load test posts it: leaf + intermediate, the leaf's PKCS#8 key. */
  certificate: string;
  privateKey: string;
}

export interface ValidateCpuOptions {
  /** The name the chains are for (the project's domain). */
  domain: string;
  /**
   * A validate body as long as the EC chain's whose certificate field is a PEM block of zero bytes: the check stops at
   * the first block, the project is read, and the answer is 400 (the reference row: the POST without certificate work).
   */
  noCertificateBody: string;
  chains: ValidateCpuChain[];
  /** Samples per row. */
  samples: number;
  /** Which src/ the "before" column is (a commit), for the record. */
  before: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    validateCpu: ValidateCpuOptions;
  }
}

/** One line of vitest's output: this marker, a space, then the JSON. */
export const RESULT_MARKER = "VALIDATE_CPU_RESULT";
