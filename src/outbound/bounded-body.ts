/**
 * The one reader of outbound answers' bodies (ACME, DNS providers and DNS-over-HTTPS, deploy targets, webhooks): at
 * most a configured number of bytes is read, and the rest is cancelled unread. A receiver that answers with a huge
 * body, or a small compressed one that the runtime inflates (Content-Encoding, RFC 9110 §8.4), then costs the isolate
 * no more memory than the limit: it is read chunk by chunk, never whole.
 */

/** OUTBOUND_RESPONSE_MAX_KIB's default: 1 MiB, far above any answer the APIs called here give. */
export const DEFAULT_RESPONSE_LIMIT_BYTES = 1024 * 1024;

/** The body was longer than the limit; what came before the limit is dropped too. */
export class ResponseTooLarge extends Error {
  override readonly name = "ResponseTooLarge";

  constructor(readonly limitBytes: number) {
    super(`a body larger than ${describeLimit(limitBytes)}`);
  }
}

/** "1024 KiB", or "512 bytes" below a KiB. */
export function describeLimit(bytes: number): string {
  return bytes >= 1024 && bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

/**
 * The body's bytes, or ResponseTooLarge once more than `limitBytes` have arrived (or the declared Content-Length says
 * they will), with the stream cancelled. Other stream failures (the connection lost mid-body) are thrown as they come.
 */
export async function readBodyBytes(response: Response, limitBytes: number = DEFAULT_RESPONSE_LIMIT_BYTES): Promise<Uint8Array> {
  const body = response.body;
  if (body === null) return new Uint8Array(0);
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  // Content-Length is of the encoded body (RFC 9110 §8.6); only when nothing is decoded is it what would be read.
  if (!response.headers.has("content-encoding") && declared > limitBytes) {
    await body.cancel().catch(() => undefined);
    throw new ResponseTooLarge(limitBytes);
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > limitBytes) {
      await reader.cancel().catch(() => undefined);
      throw new ResponseTooLarge(limitBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** The body as UTF-8 text (malformed sequences replaced), within `limitBytes`. */
export async function readBodyText(response: Response, limitBytes: number = DEFAULT_RESPONSE_LIMIT_BYTES): Promise<string> {
  return new TextDecoder().decode(await readBodyBytes(response, limitBytes));
}

/** The body parsed as JSON (a SyntaxError when it is not), within `limitBytes`. */
export async function readBodyJson(response: Response, limitBytes: number = DEFAULT_RESPONSE_LIMIT_BYTES): Promise<unknown> {
  return JSON.parse(await readBodyText(response, limitBytes));
}

/**
 * The body's first `maxBytes` as UTF-8 text (a character cut at the end is replaced), the rest cancelled unread; a
 * stream that fails midway gives what arrived before.
 */
export async function readBodyStart(response: Response, maxBytes: number): Promise<string> {
  const body = response.body;
  if (body === null) return "";
  const reader = body.getReader();
  const bytes = new Uint8Array(maxBytes);
  let length = 0;
  try {
    while (length < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = value.subarray(0, maxBytes - length);
      bytes.set(take, length);
      length += take.byteLength;
    }
  } catch {
    // What arrived is still worth showing.
  }
  await reader.cancel().catch(() => undefined);
  return new TextDecoder().decode(bytes.subarray(0, length));
}

/** For answers whose body is not wanted: nothing is read, and the connection is let go. */
export async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/** The configured limit in bytes (OUTBOUND_RESPONSE_MAX_KIB, core/config.ts). */
export function responseLimitOf(config: { readonly OUTBOUND_RESPONSE_MAX_KIB: number }): number {
  return config.OUTBOUND_RESPONSE_MAX_KIB * 1024;
}
