/** The native API (`/api/v1`) as `certdesk` calls it: JSON in and out, the API's error message kept as it is. */
import { ApiError } from "./errors.mjs";

/** One request; resolves to the parsed body with its status, or throws ApiError with the server's `error` message. */
export async function apiRequest(connection, method, path, body) {
  let response;
  try {
    response = await fetch(`${connection.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${connection.token}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      redirect: "error",
    });
  } catch (error) {
    throw new ApiError(`cannot reach ${connection.url}: ${error.cause?.message ?? error.message}`);
  }
  const text = await response.text();
  let json;
  try {
    json = text === "" ? null : JSON.parse(text);
  } catch {
    throw new ApiError(`${method} ${path}: HTTP ${response.status}, not JSON (is ${connection.url} a Certdesk server?)`);
  }
  if (!response.ok) {
    const message = typeof json?.error === "string" ? json.error : `HTTP ${response.status}`;
    const code = typeof json?.code === "string" ? ` (${json.code})` : "";
    throw new ApiError(`${message}${code}`, { cause: { status: response.status } });
  }
  return { status: response.status, body: json };
}

/** Every certificate of the team, following `next` until the last page. */
export async function listCertificates(connection) {
  const all = [];
  let before;
  do {
    const query = new URLSearchParams({ limit: "200", ...(before ? { before } : {}) });
    const { body } = await apiRequest(connection, "GET", `/certificates?${query}`);
    all.push(...body.certificates);
    before = body.next;
  } while (before);
  return all;
}
