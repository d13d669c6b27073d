/** Every response the suite sees passes through here: a private key in any body fails the test that caused it. */
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

export function assertNoPrivateKey(body: string, where: string): void {
  if (PRIVATE_KEY.test(body)) throw new Error(`a private key left the service in the response to ${where}`);
}

/** A fetch for SDK clients: the Worker's answer, checked, then handed back untouched. */
export function checkedFetcher(fetcher: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>) {
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const response = await fetcher(input, init);
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    const url = input instanceof Request ? input.url : String(input);
    assertNoPrivateKey(await response.clone().text(), `${method} ${url}`);
    return response;
  };
}
