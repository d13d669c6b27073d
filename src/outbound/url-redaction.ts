/**
 * A URL a team gave for the service to call (a webhook endpoint, an HTTPS push target), as the audit log and the API's
 * views show it: a query string often carries the receiver's own credential (`?token=…`), so each parameter keeps its
 * name and loses its value. The URL itself is kept whole where it is called from.
 */

const REDACTED = "[redacted]";

/** `https://host/path?team=[redacted]&token=[redacted]`; a parameter with no `=` could be a bare token, so it goes whole. */
export function redactQueryValues(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Stored URLs were checked to parse; anything else is shown as nothing rather than guessed at.
    return REDACTED;
  }
  const base = `${parsed.origin}${parsed.pathname}`;
  if (parsed.search === "") return base;
  const parameters = parsed.search
    .slice(1)
    .split("&")
    .filter((pair) => pair !== "")
    .map((pair) => (pair.includes("=") ? `${pair.slice(0, pair.indexOf("="))}=${REDACTED}` : REDACTED));
  return parameters.length === 0 ? base : `${base}?${parameters.join("&")}`;
}
