import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "../../../src/acme/retry-after";

const NOW = Date.parse("2025-06-01T12:00:00Z");

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
    { name: "huge number is invalid", value: "99999999999999999999", want: undefined },
    { name: "IMF-fixdate in the future", value: "Sun, 01 Jun 2025 12:01:30 GMT", want: 90 },
    { name: "IMF-fixdate in the past clamps to 0", value: "Sun, 01 Jun 2025 11:00:00 GMT", want: 0 },
    { name: "obsolete RFC 850 date", value: "Sunday, 01-Jun-25 12:00:10 GMT", want: 10 },
    { name: "asctime date", value: "Sun Jun  1 12:00:05 2025", want: 5 },
    { name: "garbage", value: "soon", want: undefined },
    { name: "ISO date is not an HTTP-date", value: "2025-06-01T12:01:00Z", want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => expect(parseRetryAfter(c.value, NOW)).toBe(c.want));
  }
});
