/** Certificate serial numbers for the private CA (RFC 5280 §4.1.2.2, CA/B BR §7.1). */

/** 16 octets: RFC 5280 §4.1.2.2 allows up to 20; CA/B BR §7.1 asks for ≥ 64 bits from a CSPRNG in ≥ 8 octets. */
export const SERIAL_OCTETS = 16;

/**
 * A positive serial with 127 bits from a CSPRNG, 16 octets, as lowercase hex. The top bit is cleared so the DER INTEGER
 * is positive without a 0x00 prefix; a zero first octet is redrawn (not patched, which would bias it) so DER, which
 * drops leading zero octets, keeps all 16 (zlint's "serial at least 8 octets" counts the encoded octets).
 */
export function randomSerialHex(): string {
  const bytes = new Uint8Array(SERIAL_OCTETS);
  do {
    crypto.getRandomValues(bytes);
    bytes[0]! &= 0x7f;
  } while (bytes[0] === 0);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
