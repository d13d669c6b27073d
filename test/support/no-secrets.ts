/** Every response the suite sees passes through here: a private key in any body fails the test that caused it. */
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/**
 * The only routes whose answer may carry a private key: the deliberate exports (scope `certificates:export`,
 * audited). Matched on method and exact path shape, so a key from any other route, or a sub-path of these, still fails.
 */
const EXPORT_ROUTES = [
  /^\/api\/v1\/projects\/[^/]+\/certificate\/export$/,
  /^\/v8\/certs\/[^/]+\/export$/,
  /^\/api\/v1\/cas\/[^/]+\/certificates\/[^/]+\/export$/,
];

/** Whether `method` `url` (a path, or an absolute URL; any query ignored) is one of the export routes. */
export function isExportRoute(method: string, url: string): boolean {
  const path = new URL(url, "https://certdesk.test").pathname;
  return method.toUpperCase() === "POST" && EXPORT_ROUTES.some((route) => route.test(path));
}

export function assertNoPrivateKey(body: string, method: string, url: string): void {
  if (isExportRoute(method, url)) return;
  if (PRIVATE_KEY.test(body)) throw new Error(`a private key left the service in the response to ${method} ${url}`);
}

/** A fetch for SDK clients: the Worker's answer, checked, then handed back untouched. */
export function checkedFetcher(fetcher: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>) {
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const response = await fetcher(input, init);
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    const url = input instanceof Request ? input.url : String(input);
    assertNoPrivateKey(await response.clone().text(), method, url);
    return response;
  };
}
