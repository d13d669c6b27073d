/**
 * The Cloudflare API the unit tests' Worker reaches: vitest.config.ts routes DNS_FAKE_ORIGIN here from its
 * outboundService, and DNS_API_BASE_URLS points `cloudflare` at it (unit tests have no network otherwise). Plain
 * JavaScript, so the config loads it as it is. It answers what the DNS-01 preflight and a saved DNS connection's check
 * ask, in the API v4's shapes (https://developers.cloudflare.com/api/resources/zones/methods/list/): GET /zones,
 * optionally `?name=`, in the `{ success, errors, messages, result, result_info }` envelope.
 *
 * Any token that starts with `cf-ok-` is a valid API token that sees DNS_FAKE_ZONES; any other answers 403 with error
 * 9109 "Invalid access token", as the API does for a token it does not know. `GET <DNS_FAKE_ORIGIN>/__seen` answers
 * every token the fake was called with, in order, so a test sees which credentials a call used.
 */
export const DNS_FAKE_ORIGIN = "https://dns-fake.certdesk.test";
export const DNS_FAKE_ZONES = ["example.com", "example.net"];

/** @type {string[]} */
const seen = [];

/** @param {number} status @param {unknown} result @param {{ code: number; message: string }[]} errors */
function envelope(status, result, errors = []) {
  const count = Array.isArray(result) ? result.length : 0;
  const info = Array.isArray(result) ? { result_info: { page: 1, per_page: 50, count, total_count: count, total_pages: 1 } } : {};
  return Response.json({ success: status < 300, errors, messages: [], result, ...info }, { status });
}

/** @param {Request} request @returns {Promise<Response>} */
export async function handleDnsFake(request) {
  const url = new URL(request.url);
  if (url.pathname === "/__seen") return Response.json(seen);
  const authorization = request.headers.get("authorization") ?? "";
  seen.push(authorization.replace(/^Bearer /, ""));
  if (!/^Bearer cf-ok-\S+$/.test(authorization)) return envelope(403, null, [{ code: 9109, message: "Invalid access token" }]);
  if (request.method !== "GET" || url.pathname.replace(/\/$/, "") !== "/client/v4/zones") {
    return envelope(404, null, [{ code: 7000, message: "No route for that URI" }]);
  }
  const name = url.searchParams.get("name");
  const zones = DNS_FAKE_ZONES.filter((zone) => !name || zone === name).map((zone, i) => ({ id: `zone${i + 1}${"0".repeat(27)}`, name: zone, status: "active" }));
  return envelope(200, zones);
}
