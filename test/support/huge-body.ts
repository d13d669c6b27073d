/**
 * A response body of any size that is made as it is read (64 KiB a pull) and never held whole, so a test can answer
 * with 200 MiB without allocating it; it counts what was pulled and whether the reader cancelled it.
 */

export const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

export interface HugeBody {
  readonly stream: ReadableStream<Uint8Array>;
  /** Bytes handed to the reader so far. */
  pulled(): number;
  /** Whether the reader cancelled the stream before its end. */
  cancelled(): boolean;
}

/** `bytes` of `fill` (a JSON-safe letter by default), pulled on demand. */
export function hugeBody(bytes: number, fill = "a".charCodeAt(0)): HugeBody {
  let sent = 0;
  let wasCancelled = false;
  const chunk = new Uint8Array(CHUNK).fill(fill);
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent >= bytes) {
          controller.close();
          return;
        }
        const size = Math.min(CHUNK, bytes - sent);
        sent += size;
        controller.enqueue(size === CHUNK ? chunk.slice() : chunk.slice(0, size));
      },
      cancel() {
        wasCancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => sent, cancelled: () => wasCancelled };
}

/** A Response carrying a fresh huge body of `bytes`, and that body's counters. */
export function hugeResponse(bytes: number, init: ResponseInit = {}): { response: Response; body: HugeBody } {
  const body = hugeBody(bytes);
  return { response: new Response(body.stream, init), body };
}
