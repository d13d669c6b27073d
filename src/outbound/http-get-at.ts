/**
 * A plain-HTTP GET sent to one address with another name's Host header, over a TCP socket (cloudflare:sockets): a
 * Worker's fetch takes Host from the URL, but http-01 validation must connect to the address it resolved and still
 * ask for the name (RFC 8555 §8.3; RFC 9112 §3.2: Host is the name). HTTP/1.1 with `Connection: close`.
 */
import { connect } from "cloudflare:sockets";

export interface HttpTarget {
  /** The IP address to connect to (IPv6 without brackets). */
  address: string;
  port: number;
  /** The Host header: the name asked for. */
  host: string;
  /** The request target, e.g. /.well-known/acme-challenge/<token>. */
  path: string;
}

export interface HttpAnswer {
  status: number;
  /** The body, decoded as UTF-8, at most `maxBytes` of it. */
  body: string;
  /** The Location header (RFC 9110 §10.2.2), as sent: a redirect's target, perhaps relative. */
  location?: string;
}

export type HttpGetAt = (target: HttpTarget, options: { timeoutMs: number; maxBytes: number }) => Promise<HttpAnswer>;

/** Room for the status line and headers on top of the body's limit. */
const HEAD_BYTES = 16_384;

/** Sends the GET and reads the answer (up to the head plus `maxBytes`); throws on a timeout or a malformed answer. */
export const httpGetAt: HttpGetAt = async (target, { timeoutMs, maxBytes }) => {
  const socket = connect({ hostname: target.address, port: target.port });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DOMException("the answer took too long", "TimeoutError")), timeoutMs);
  });
  try {
    return parseHttpAnswer(await Promise.race([exchange(socket, target, HEAD_BYTES + maxBytes), timeout]), maxBytes);
  } finally {
    clearTimeout(timer);
    socket.close().catch(() => {});
  }
};

async function exchange(socket: ReturnType<typeof connect>, target: HttpTarget, limit: number): Promise<Uint8Array> {
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  const request = `GET ${target.path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: certdesk-acme-validation\r\nAccept: */*\r\nConnection: close\r\n\r\n`;
  const writer = socket.writable.getWriter();
  await writer.write(new TextEncoder().encode(request));
  writer.releaseLock();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = socket.readable.getReader();
  // Until the close, or sooner once the whole answer is in (a server may keep the connection open all the same).
  while (size < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (answerComplete(concat(chunks))) break;
  }
  reader.releaseLock();
  return concat(chunks);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

interface Head {
  status: number;
  chunked: boolean;
  contentLength: number | undefined;
  location: string | undefined;
  bodyStart: number;
}

/** The status line and the headers that frame the body (RFC 9112 §4, §6.1-6.2), or undefined while they are incomplete. */
function readHead(raw: Uint8Array): Head | undefined {
  const text = new TextDecoder("latin1").decode(raw);
  const headEnd = text.indexOf("\r\n\r\n");
  if (headEnd < 0) return undefined;
  const [statusLine = "", ...headerLines] = text.slice(0, headEnd).split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine);
  if (!status) throw new Error("the answer is not HTTP (no status line)");
  const headers = new Map(headerLines.map((line) => [line.slice(0, line.indexOf(":")).trim().toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
  const length = headers.get("content-length");
  return {
    status: Number(status[1]),
    chunked: /(^|,)\s*chunked\s*$/i.test(headers.get("transfer-encoding") ?? ""),
    contentLength: length === undefined ? undefined : Number(length) || 0,
    location: headers.get("location"),
    bodyStart: headEnd + 4,
  };
}

/** Whether `raw` holds a whole answer by its own framing; one without a length ends only with the close. */
export function answerComplete(raw: Uint8Array): boolean {
  const head = readHead(raw);
  if (!head) return false;
  const body = raw.subarray(head.bodyStart);
  if (head.chunked) return dechunk(body).complete;
  return head.contentLength !== undefined && body.byteLength >= head.contentLength;
}

/**
 * The status and body of a raw HTTP/1.x answer (RFC 9112 §4 status line, §6 body: chunked, Content-Length, or up to
 * the close). A body cut short by `maxBytes` or by the close is what arrived.
 */
export function parseHttpAnswer(raw: Uint8Array, maxBytes: number): HttpAnswer {
  const head = readHead(raw);
  if (!head) throw new Error("the answer is not HTTP (no end of headers)");
  let body = raw.subarray(head.bodyStart);
  if (head.chunked) body = dechunk(body).data;
  else if (head.contentLength !== undefined) body = body.subarray(0, head.contentLength);
  return { status: head.status, body: new TextDecoder().decode(body.subarray(0, maxBytes)), ...(head.location !== undefined ? { location: head.location } : {}) };
}

/** RFC 9112 §7.1: size line (hex, extensions after `;`), data, CRLF; `complete` once the zero-size chunk has come. */
function dechunk(body: Uint8Array): { data: Uint8Array; complete: boolean } {
  const text = new TextDecoder("latin1").decode(body);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = text.indexOf("\r\n", at);
    if (lineEnd < 0) return { data: concat(parts), complete: false };
    const size = Number.parseInt(text.slice(at, lineEnd).split(";")[0]!.trim(), 16);
    // The last chunk (or a size line that is not one, after which nothing more can be read as the body).
    if (!Number.isFinite(size) || size <= 0) return { data: concat(parts), complete: true };
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
