/** Link header parsing (RFC 8288 §3), for ACME's `rel="index"`, `rel="up"` and `rel="alternate"` links (RFC 8555 §7.4.2). */

export interface Link {
  /** The target, resolved against the response URL when one is given. */
  url: string;
  /** The relation types (a `rel` may list several, space-separated). */
  rel: string[];
  /** Every other parameter, lower-cased names, unquoted values. */
  params: Record<string, string>;
}

/**
 * Parses one or more Link header values (`Headers.get` joins repeated headers with ", ").
 * Malformed links are skipped, never thrown.
 */
export function parseLinkHeader(value: string | null | undefined, baseUrl?: string): Link[] {
  if (!value) return [];
  const links: Link[] = [];
  let i = 0;
  const n = value.length;
  while (i < n) {
    // Skip separators and whitespace up to the next "<".
    while (i < n && (value[i] === "," || value[i] === " " || value[i] === "\t")) i++;
    if (i >= n) break;
    if (value[i] !== "<") {
      // Garbage: skip to the next link-value.
      i = skipTo(value, i, ",");
      continue;
    }
    const close = value.indexOf(">", i + 1);
    if (close < 0) break;
    const target = value.slice(i + 1, close).trim();
    i = close + 1;
    const params: Record<string, string> = {};
    // link-param = token BWS [ BWS "=" BWS ( token / quoted-string ) ], separated by ";"
    while (i < n) {
      while (i < n && (value[i] === " " || value[i] === "\t")) i++;
      if (value[i] !== ";") break;
      i++;
      while (i < n && (value[i] === " " || value[i] === "\t")) i++;
      const nameStart = i;
      while (i < n && /[^=;,\s]/.test(value[i]!)) i++;
      const name = value.slice(nameStart, i).toLowerCase();
      while (i < n && (value[i] === " " || value[i] === "\t")) i++;
      let paramValue = "";
      if (value[i] === "=") {
        i++;
        while (i < n && (value[i] === " " || value[i] === "\t")) i++;
        if (value[i] === '"') {
          i++;
          while (i < n && value[i] !== '"') {
            if (value[i] === "\\" && i + 1 < n) i++;
            paramValue += value[i];
            i++;
          }
          i++; // closing quote
        } else {
          const valueStart = i;
          while (i < n && /[^;,\s]/.test(value[i]!)) i++;
          paramValue = value.slice(valueStart, i);
        }
      }
      // RFC 8288 §3.3: only the first occurrence of "rel" counts.
      if (name && !(name in params)) params[name] = paramValue;
    }
    const url = resolve(target, baseUrl);
    if (url !== undefined) {
      const rel = (params.rel ?? "").split(/\s+/).filter(Boolean).map((r) => r.toLowerCase());
      delete params.rel;
      links.push({ url, rel, params });
    }
    i = skipTo(value, i, ",");
  }
  return links;
}

/** The targets of every link with relation `rel` in the response's Link headers. */
export function linksWithRel(headers: Headers, rel: string, baseUrl?: string): string[] {
  const wanted = rel.toLowerCase();
  return parseLinkHeader(headers.get("link"), baseUrl)
    .filter((link) => link.rel.includes(wanted))
    .map((link) => link.url);
}

function skipTo(value: string, from: number, char: string): number {
  const at = value.indexOf(char, from);
  return at < 0 ? value.length : at + 1;
}

function resolve(target: string, baseUrl: string | undefined): string | undefined {
  try {
    return baseUrl ? new URL(target, baseUrl).toString() : new URL(target).toString();
  } catch {
    return baseUrl ? undefined : target || undefined;
  }
}
