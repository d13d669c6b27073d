/** "Expiring soon": the rule itself, and the upload warning that follows it. */
import { describe, expect, it } from "vitest";
import { checkCertificate, isExpiringSoon } from "../../../src/pki";
import { expiryWindowMs } from "../../../src/pki/expiry";
import { dayMs, makeChain } from "../../support/pki-fixtures";
import { at, iso } from "./helpers";

const T0 = Date.UTC(2026, 0, 1);

describe("isExpiringSoon: 30 days, or the last third of lifetimes under 90 days", () => {
  it.each([
    { lifetime: 90, at: 0, want: false },
    { lifetime: 90, at: 59, want: false },
    { lifetime: 90, at: 60, want: true }, // 30 days left: the window opens
    { lifetime: 90, at: 61, want: true },
    { lifetime: 90, at: 89.9, want: true },
    { lifetime: 45, at: 0, want: false },
    { lifetime: 45, at: 15, want: false }, // 30 days left, but a 45-day certificate is not "expiring" for two thirds of its life
    { lifetime: 45, at: 29, want: false },
    { lifetime: 45, at: 30, want: true }, // 15 days left: the last third
    { lifetime: 45, at: 31, want: true },
    { lifetime: 45, at: 44, want: true },
    { lifetime: 6, at: 0, want: false },
    { lifetime: 6, at: 1, want: false },
    { lifetime: 6, at: 3, want: false },
    { lifetime: 6, at: 3.9, want: false },
    { lifetime: 6, at: 4, want: true }, // 2 days left: the last third
    { lifetime: 6, at: 4.5, want: true },
    { lifetime: 6, at: 5.5, want: true },
    { lifetime: 365, at: 300, want: false },
    { lifetime: 365, at: 340, want: true },
  ])("$lifetime-day certificate at day $at: $want", ({ lifetime, at, want }) => {
    expect(isExpiringSoon(T0, T0 + lifetime * dayMs, T0 + at * dayMs)).toBe(want);
  });

  it("the window grows with the lifetime up to 30 days, without a jump at 90 days", () => {
    expect(expiryWindowMs(T0, T0 + 6 * dayMs)).toBe(2 * dayMs);
    expect(expiryWindowMs(T0, T0 + 45 * dayMs)).toBe(15 * dayMs);
    expect(expiryWindowMs(T0, T0 + 89 * dayMs)).toBeCloseTo((89 / 3) * dayMs);
    expect(expiryWindowMs(T0, T0 + 90 * dayMs)).toBe(30 * dayMs);
    expect(expiryWindowMs(T0, T0 + 398 * dayMs)).toBe(30 * dayMs);
  });

  it("an expired certificate counts too (callers say 'expired' first)", () => {
    expect(isExpiringSoon(T0, T0 + 6 * dayMs, T0 + 7 * dayMs)).toBe(true);
  });
});

describe("the upload warning follows the rule", () => {
  const expiryWarning = (warnings: string[]) => warnings.filter((w) => /expires|lifetime/.test(w));

  it.each([
    { name: "a fresh 6-day certificate", from: -1, to: 5, want: [] },
    { name: "a 6-day certificate in its last third", from: -5, to: 1, want: [`Certificate is in the last third of its lifetime (expires on ${iso(at(1))})`] },
    { name: "a 45-day certificate with 25 days left", from: -20, to: 25, want: [] },
    { name: "a 45-day certificate in its last third", from: -35, to: 10, want: [`Certificate is in the last third of its lifetime (expires on ${iso(at(10))})`] },
    { name: "a 90-day certificate with 40 days left", from: -50, to: 40, want: [] },
    { name: "a 90-day certificate with 10 days left", from: -80, to: 10, want: [`Certificate expires within 30 days (on ${iso(at(10))})`] },
  ])("$name", async ({ from, to, want }) => {
    const chain = await makeChain({ notBefore: at(from), notAfter: at(to) });
    const { report } = await checkCertificate({ certificatePem: chain.fullPem, privateKeyPem: chain.keyPem, now: at(0) });
    expect(report.valid).toBe(true);
    expect(expiryWarning(report.warnings)).toEqual(want);
  });
});
