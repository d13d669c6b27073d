import { describe, expect, it } from "vitest";
import { randomSerialHex, SERIAL_OCTETS } from "../../../../src/pki/private-ca";

describe("randomSerialHex", () => {
  const serials = Array.from({ length: 2000 }, () => randomSerialHex());

  it("is 16 octets of lowercase hex, positive, with a non-zero first octet (CA/B BR §7.1: ≥ 64 bits, ≥ 8 octets)", () => {
    expect(SERIAL_OCTETS).toBe(16);
    for (const serial of serials) {
      expect(serial).toMatch(/^[0-9a-f]{32}$/);
      const first = Number.parseInt(serial.slice(0, 2), 16);
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThan(0x80);
    }
  });

  it("is drawn at random: no repeats, and the first octet spans its range", () => {
    expect(new Set(serials).size).toBe(serials.length);
    const firsts = serials.map((serial) => Number.parseInt(serial.slice(0, 2), 16));
    expect(firsts.some((first) => first < 0x10)).toBe(true);
    expect(firsts.some((first) => first >= 0x70)).toBe(true);
    // Every hex digit shows up in the last position (a fixed or counter-like tail would not).
    expect(new Set(serials.map((serial) => serial.at(-1))).size).toBe(16);
  });
});
