/** JSON calls to a `wrangler dev` of the Worker from Node (browser and node tests): status, parsed body, raw text. */
export function jsonClient(baseUrl: () => string) {
  return async function api(method: string, path: string, token: string, json?: unknown) {
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      // A connection per request: fetch keeps an idle one 4 s, and the Worker's side may close it about as soon, so on a
      // loaded machine a request after a pause went out on a closed connection ("other side closed", no answer).
      headers: { Authorization: `Bearer ${token}`, Connection: "close", ...(json === undefined ? {} : { "Content-Type": "application/json" }) },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const text = await response.text();
    let body: any = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a DER or HTML answer): `text` has it.
    }
    return { status: response.status, headers: response.headers, body, text };
  };
}
