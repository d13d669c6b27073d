/** TXT record data in presentation format: quoting for the APIs that want RFC 1035 character-strings, and back. */

/** `value` as one quoted RFC 1035 character-string (`abc` → `"abc"`), escaping `"` and `\`. */
export function quoteTxt(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * The text of TXT data as an API or DoH resolver shows it: quoted character-strings are unescaped and joined
 * (`"ab" "cd"` → `abcd`, RFC 1035 §5.1 `\"`, `\\`, `\DDD`); data without quotes is returned as it is.
 */
export function unquoteTxt(data: string): string {
  const text = data.trim();
  if (!text.startsWith('"')) return text;
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '"') {
      i++; // whitespace between character-strings
      continue;
    }
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\" && i + 1 < text.length) {
        const digits = text.slice(i + 1, i + 4);
        if (/^\d{3}$/.test(digits)) {
          out += String.fromCharCode(Number(digits));
          i += 4;
        } else {
          out += text[i + 1];
          i += 2;
        }
      } else {
        out += text[i];
        i++;
      }
    }
    i++; // closing quote
  }
  return out;
}

/** Whether the TXT data `data` (quoted or not) holds exactly `value`. */
export function txtMatches(data: string, value: string): boolean {
  return unquoteTxt(data) === value;
}
