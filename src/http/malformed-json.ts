/**
 * Where a request body stops being JSON, for the 400 that says so. Only the position is reported, never the parser's
 * own message: V8 quotes the text around the fault, and a body may hold a private key.
 */

/** The hint every malformed-body answer carries: PEM files are where hand-built JSON usually breaks (raw newlines). */
export const JSON_BODY_HINT = "build bodies with jq, e.g. jq -n --rawfile certificate cert.pem '{$certificate}', rather than by hand";

/** "line L, column C" of the first character JSON.parse refuses in `text`, or null when the text parses. */
export function malformedJsonPosition(text: string): string | null {
  try {
    JSON.parse(text);
    return null;
  } catch (error) {
    const offset = /position (\d+)/.exec(error instanceof Error ? error.message : "");
    // No position (V8's "Unexpected end of JSON input"), or one past the last character: the text ended too soon.
    const at = offset ? Math.min(Number(offset[1]), text.length) : text.length;
    const before = text.slice(0, at);
    const line = before.split("\n").length;
    const column = at - (before.lastIndexOf("\n") + 1) + 1;
    return at < text.length ? `line ${line}, column ${column}` : `line ${line}, column ${column} (the body ends before the JSON value does)`;
  }
}

/** The message of the 400 for a body that is not JSON, from the body's text when it is still readable. */
export function malformedJsonMessage(text: string | null): string {
  const position = text === null ? null : malformedJsonPosition(text);
  return position === null ? `Request body is not valid JSON: ${JSON_BODY_HINT}` : `Request body is not valid JSON at ${position}: ${JSON_BODY_HINT}`;
}
