/** Pieces shared by the in-memory fakes of DNS provider APIs (plain web APIs only, so they also run under Node). */

/** A fake API: one request in, one response out. */
export type FakeHandler = (request: Request) => Promise<Response>;

/** Called after every change to the TXT values at a name, with all values now there (unquoted). */
export type OnTxtChange = (fqdn: string, values: string[]) => void | Promise<void>;

/** What every provider fake offers the tests. */
export interface DnsFake {
  readonly handle: FakeHandler;
  /** The fake as a `fetch`, to pass as DnsProviderOptions.fetch. */
  readonly fetch: typeof fetch;
  /** The TXT values at `fqdn`, unquoted, in the order they were added. */
  txt(fqdn: string): string[];
  /** Puts a TXT value at `fqdn` directly, as if someone else had created it. */
  seed(fqdn: string, value: string): void;
  /** Every request seen, as "METHOD /path?query". */
  readonly requests: string[];
  /**
   * Answers the next `count` requests the way the provider documents a throttled request (its status, body and
   * headers, with `retryAfterSeconds` where it says how long to wait) without carrying them out.
   */
  throttle(count: number, retryAfterSeconds?: number): void;
}

/** How many requests a fake still refuses, and the wait it names. */
export interface Countdown {
  arm(count: number, retryAfterSeconds?: number): void;
  /** Whether this request is refused; counts it if so. */
  take(): boolean;
  readonly retryAfterSeconds: number;
}

export function countdown(): Countdown {
  let left = 0;
  let seconds = 1;
  return {
    arm(count, retryAfterSeconds = 1) {
      left = count;
      seconds = retryAfterSeconds;
    },
    take() {
      if (left === 0) return false;
      left--;
      return true;
    },
    get retryAfterSeconds() {
      return seconds;
    },
  };
}

/** Wraps a handler as a `fetch`, logging each request. */
export function asFetch(handler: FakeHandler, log: string[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    log.push(`${request.method} ${url.pathname}${url.search}`);
    return handler(request);
  };
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** The zone among `zones` that holds `fqdn` (longest suffix match). */
export function zoneOf(fqdn: string, zones: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const zone of zones) {
    if ((fqdn === zone || fqdn.endsWith(`.${zone}`)) && (!best || zone.length > best.length)) best = zone;
  }
  return best;
}

/** `"abc"` → `abc` (the fakes only ever hold single character-strings). */
export function unquote(data: string): string {
  return /^".*"$/.test(data) ? data.slice(1, -1).replace(/\\(["\\])/g, "$1") : data;
}

export async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    return undefined;
  }
}
