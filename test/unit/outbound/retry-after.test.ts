/** The one Retry-After reader (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, clamped to a day whatever is sent. */
import { describe, expect, it } from "vitest";
import { clampRetryAfter, MAX_RETRY_AFTER_SECONDS, parseRetryAfter, positiveRetryAfter } from "../../../src/outbound/retry-after";

const NOW = Date.parse("2025-06-01T12:00:00Z");
const DAY = 86_400;

describe("parseRetryAfter (RFC 9110 §10.2.3)", () => {
  const cases: { name: string; value: string | null | undefined; want: number | undefined }[] = [
    { name: "absent", value: null, want: undefined },
    { name: "undefined", value: undefined, want: undefined },
    { name: "empty", value: "", want: undefined },
    { name: "delay-seconds", value: "120", want: 120 },
    { name: "zero", value: "0", want: 0 },
    { name: "surrounding whitespace", value: "  30 ", want: 30 },
    { name: "negative is invalid", value: "-5", want: undefined },
    { name: "fraction is invalid", value: "1.5", want: undefined },
    { name: "exactly a day", value: String(DAY), want: DAY },
    { name: "a day and a second clamps to a day", value: String(DAY + 1), want: DAY },
    { name: "10000000000000 seconds clamps to a day", value: "10000000000000", want: DAY },
    { name: "beyond a safe integer clamps to a day", value: "99999999999999999999", want: DAY },
    { name: "IMF-fixdate in the future", value: "Sun, 01 Jun 2025 12:01:30 GMT", want: 90 },
    { name: "IMF-fixdate in the past clamps to 0", value: "Sun, 01 Jun 2025 11:00:00 GMT", want: 0 },
    { name: "IMF-fixdate years ahead clamps to a day", value: "Fri, 01 Jun 2125 12:00:00 GMT", want: DAY },
    { name: "obsolete RFC 850 date", value: "Sunday, 01-Jun-25 12:00:10 GMT", want: 10 },
    { name: "asctime date", value: "Sun Jun  1 12:00:05 2025", want: 5 },
    { name: "garbage", value: "soon", want: undefined },
    { name: "ISO date is not an HTTP-date", value: "2025-06-01T12:01:00Z", want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => expect(parseRetryAfter(c.value, NOW)).toBe(c.want));
  }

  it("never exceeds the clamp, so now + the wait is always a writable date", () => {
    for (const value of ["1", "86400", "86401", "10000000000000", "9".repeat(400), "Fri, 31 Dec 9999 23:59:59 GMT"]) {
      const seconds = parseRetryAfter(value, NOW)!;
      expect(seconds).toBeLessThanOrEqual(MAX_RETRY_AFTER_SECONDS);
      expect(new Date(NOW + seconds * 1000).toISOString()).toMatch(/^2025-06-0[12]T/);
    }
  });
});

describe("positiveRetryAfter", () => {
  it("is a wait of at least a second, or undefined", () => {
    expect(positiveRetryAfter("0", NOW)).toBeUndefined();
    expect(positiveRetryAfter("Sun, 01 Jun 2025 11:00:00 GMT", NOW)).toBeUndefined();
    expect(positiveRetryAfter("12", NOW)).toBe(12);
    expect(positiveRetryAfter("10000000000000", NOW)).toBe(DAY);
  });
});

describe("clampRetryAfter", () => {
  it.each([
    [-3, 0],
    [0.2, 1],
    [90, 90],
    [DAY * 365, DAY],
    [Number.POSITIVE_INFINITY, DAY],
    [Number.NaN, 0],
  ])("%d seconds is %d", (input, want) => expect(clampRetryAfter(input)).toBe(want));
});
