/** Shared assertions and tables for the PKI unit tests. */
import { expect, it } from "vitest";
import { AppError, type ErrorCode } from "../../../src/core/errors";
import { type CertificateCheckInput, checkCertificate } from "../../../src/pki";
import { dayMs } from "../../support/pki-fixtures";

// X.509 times have whole seconds; fixed-second instants make expected ISO strings exact.
const t0 = Math.floor(Date.now() / 1000) * 1000;
/** An instant `days` from the start of the test run, on a whole second. */
export const at = (days: number) => new Date(t0 + days * dayMs);
/** The report's date format. */
export const iso = (date: Date) => date.toISOString().replace(".000Z", "Z");

export interface Want {
  valid: boolean;
  error?: string | RegExp;
  errorCode?: ErrorCode;
  /** Every listed warning must be present (strings exactly, regexes by match). */
  warnings?: (string | RegExp)[];
  /** Exact warning count when given. */
  warningCount?: number;
  keyType?: string;
  names?: string[];
}

export interface CheckCase {
  name: string;
  input: () => Promise<CertificateCheckInput>;
  want: Want;
}

/** Runs a table of checkCertificate cases, one `it` each, asserting the report against `want`. */
export function runCheckCases(cases: CheckCase[]): void {
  for (const { name, input, want } of cases) {
    it(name, async () => {
      const { report } = await checkCertificate(await input());
      expect(report.valid).toBe(want.valid);
      if (want.valid) {
        expect(report.error).toBeNull();
        expect(report.errorCode).toBeNull();
      } else {
        expect(report.errorCode).not.toBeNull();
      }
      if (want.error instanceof RegExp) expect(report.error).toMatch(want.error);
      else if (want.error !== undefined) expect(report.error).toBe(want.error);
      if (want.errorCode) expect(report.errorCode).toBe(want.errorCode);
      for (const warning of want.warnings ?? []) {
        const found = report.warnings.some((w) => (typeof warning === "string" ? w === warning : warning.test(w)));
        expect(found, `warning ${warning} in ${JSON.stringify(report.warnings)}`).toBe(true);
      }
      if (want.warningCount !== undefined) expect(report.warnings, JSON.stringify(report.warnings)).toHaveLength(want.warningCount);
      if (want.keyType) expect(report.keyType).toBe(want.keyType);
      if (want.names) {
        expect(report.names).toEqual(want.names);
        expect(report.domain).toBe(want.names[0]);
      }
    });
  }
}

/** Runs `run` and asserts it throws a 4xx AppError of `code` whose message is `want` (exactly, or by regex). */
export async function expectAppError(run: () => unknown, code: ErrorCode, want: string | RegExp): Promise<AppError> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  expect(caught, "should throw an AppError").toBeInstanceOf(AppError);
  const error = caught as AppError;
  expect(error.status).toBeGreaterThanOrEqual(400);
  expect(error.status).toBeLessThan(500);
  expect(error.code).toBe(code);
  if (typeof want === "string") expect(error.message).toBe(want);
  else expect(error.message).toMatch(want);
  return error;
}
