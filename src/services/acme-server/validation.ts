/**
 * Validating a `challenge` directory's challenges ourselves (RFC 8555 §8.3 http-01, §8.4 dns-01), off the request
 * path: the name resolved over DNS-over-HTTPS, then the key authorization fetched from port 80 of that address (or
 * ACME_SERVER_HTTP01_PORT in tests; up to 10 redirects followed, to http or https, as Let's Encrypt does) or the TXT
 * record read at `_acme-challenge.<name>`. A few attempts a few seconds apart; a definite wrong answer fails at once.
 */
import { dns01TxtValue, keyAuthorization } from "../../acme/jws";
import type { PublicJwk } from "../../acme/account-key";
import { AcmeServerProblem } from "../../acme-server/problems";
import { dohQuery, NOERROR, NXDOMAIN, RR_TYPE } from "../../dns/doh";
import { resolveAddresses } from "../../dns/resolve-host";
import { txtMatches } from "../../dns/txt";
import { addressProblem } from "../../outbound/address-class";
import { checkDnsName, checkIpAddress } from "../../pki/private-ca";
import { httpGetAt, type HttpGetAt } from "../../outbound/http-get-at";
import { httpsGet, type HttpsGet } from "../../outbound/https-get";
import type { AcmeAuthorizationRow, AcmeChallengeRow } from "../../store/acme-server-orders";

/** RFC 8555 §8.3: the answer is the key authorization, at most a little whitespace around it. */
const MAX_ANSWER_BYTES = 4096;
const FETCH_MS = 10_000;

export interface ValidationSettings {
  resolverUrl: string;
  /** ACME_SERVER_HTTP01_PORT: set only in tests, where private and loopback addresses are then allowed too. */
  http01Port?: number;
  /** DoH queries go through this (tests give a fake). */
  fetch?: typeof fetch;
  /** http-01's GET to the resolved address (tests give a fake). */
  httpGet?: HttpGetAt;
  /** The GET of a redirect to https (tests give a fake). */
  httpsGet?: HttpsGet;
}

/** A failed attempt: `final` when trying again cannot help (a wrong answer), else a transient failure. */
export class ValidationFailure extends Error {
  constructor(
    readonly problem: AcmeServerProblem,
    readonly final: boolean,
  ) {
    super(problem.detail);
  }
}

async function addressOf(name: string, settings: ValidationSettings): Promise<string> {
  let addresses: string[];
  try {
    addresses = await resolveAddresses(name, { resolverUrl: settings.resolverUrl, ...(settings.fetch ? { fetch: settings.fetch } : {}) });
  } catch (error) {
    throw new ValidationFailure(new AcmeServerProblem("dns", `could not resolve ${name}: ${error instanceof Error ? error.message : "DNS-over-HTTPS failed"}`), false);
  }
  const address = addresses[0];
  if (address === undefined) throw new ValidationFailure(new AcmeServerProblem("dns", `${name} has no A or AAAA record`), false);
  return address;
}

/** Where one http-01 request goes: the name (or IP address) asked for, the port, and the request target. */
interface Http01Hop {
  https: boolean;
  host: string;
  isIp: boolean;
  port: number;
  path: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Let's Encrypt's limit; a loop ends there too. */
export const MAX_REDIRECTS = 10;

const hopUrl = (hop: Http01Hop) => `${hop.https ? "https" : "http"}://${hop.host.includes(":") ? `[${hop.host}]` : hop.host}${hop.port === (hop.https ? 443 : 80) ? "" : `:${hop.port}`}${hop.path}`;

/**
 * The next hop of a redirect, as Let's Encrypt follows them: http on port 80 (or the test port) or https on port 443,
 * to a DNS name or an IP address; anything else fails the challenge for good.
 */
function redirectHop(from: Http01Hop, location: string | undefined, settings: ValidationSettings): Http01Hop {
  const refuse = (why: string) => new ValidationFailure(new AcmeServerProblem("connection", `${hopUrl(from)} redirected ${why}`), true);
  if (location === undefined || location === "") throw refuse("without a Location header");
  let url: URL;
  try {
    url = new URL(location, hopUrl(from));
  } catch {
    throw refuse(`to "${location.slice(0, 200)}", which is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw refuse(`to a ${url.protocol.replace(/:$/, "")} URL: only http and https are followed`);
  const https = url.protocol === "https:";
  const port = url.port === "" ? (https ? 443 : 80) : Number(url.port);
  const allowed = https ? [443] : [80, settings.http01Port];
  if (!allowed.includes(port)) throw refuse(`to port ${port}: only ports 80 (http) and 443 (https) are followed`);
  const path = `${url.pathname}${url.search}`;
  const bare = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const ip = checkIpAddress(bare);
  if ("address" in ip) return { https, host: ip.address, isIp: true, port, path };
  const dns = checkDnsName(bare, { allowWildcards: false });
  if ("why" in dns) throw refuse(`to the host "${bare.slice(0, 80)}": ${dns.why}`);
  return { https, host: dns.name, isIp: false, port, path };
}

async function fetchHop(hop: Http01Hop, settings: ValidationSettings) {
  const address = hop.isIp ? hop.host : await addressOf(hop.host, settings);
  // Without the test port, validation goes only to public addresses: this Worker must not probe private networks.
  const refused = settings.http01Port === undefined ? addressProblem(address, { allowLoopback: false }) : undefined;
  if (refused) throw new ValidationFailure(new AcmeServerProblem("connection", `${hop.host} resolves to ${address}: ${refused}`), true);
  const limits = { timeoutMs: FETCH_MS, maxBytes: MAX_ANSWER_BYTES };
  try {
    // https goes by name through the Worker's fetch (it verifies the certificate for the name); the address was checked above.
    if (hop.https) return await (settings.httpsGet ?? httpsGet)(hopUrl(hop), limits);
    // To the address, asking for the name: RFC 8555 §8.3 dereferences http://{domain}/..., so Host is the name.
    return await (settings.httpGet ?? httpGetAt)({ address, port: hop.port, host: hop.host, path: hop.path }, limits);
  } catch (error) {
    throw new ValidationFailure(new AcmeServerProblem("connection", `could not fetch ${hopUrl(hop)} (${address}): ${error instanceof Error ? error.name : "failed"}`), false);
  }
}

async function validateHttp01(name: string, isIp: boolean, token: string, expected: string, settings: ValidationSettings): Promise<void> {
  let hop: Http01Hop = { https: false, host: name, isIp, port: settings.http01Port ?? 80, path: `/.well-known/acme-challenge/${token}` };
  const visited = new Set<string>();
  for (;;) {
    visited.add(hopUrl(hop));
    const answer = await fetchHop(hop, settings);
    if (!REDIRECT_STATUSES.has(answer.status)) {
      if (answer.status !== 200) throw new ValidationFailure(new AcmeServerProblem("unauthorized", `${hopUrl(hop)} answered HTTP ${answer.status}`), answer.status === 404);
      if (answer.body.trim() !== expected) throw new ValidationFailure(new AcmeServerProblem("incorrectResponse", `${hopUrl(hop)} answered something other than the key authorization`), true);
      return;
    }
    const next = redirectHop(hop, answer.location, settings);
    if (visited.has(hopUrl(next))) throw new ValidationFailure(new AcmeServerProblem("connection", `${hopUrl(hop)} redirected back to ${hopUrl(next)}: a redirect loop`), true);
    if (visited.size > MAX_REDIRECTS) throw new ValidationFailure(new AcmeServerProblem("connection", `more than ${MAX_REDIRECTS} redirects from http://${name}/.well-known/acme-challenge/`), true);
    hop = next;
  }
}

async function validateDns01(name: string, expected: string, settings: ValidationSettings): Promise<void> {
  const fqdn = `_acme-challenge.${name}`;
  let result;
  try {
    result = await dohQuery(fqdn, "TXT", { resolverUrl: settings.resolverUrl, timeoutMs: FETCH_MS, ...(settings.fetch ? { fetch: settings.fetch } : {}) });
  } catch (error) {
    throw new ValidationFailure(new AcmeServerProblem("dns", `could not look up TXT ${fqdn}: ${error instanceof Error ? error.message : "failed"}`), false);
  }
  if (result.status !== NOERROR && result.status !== NXDOMAIN) throw new ValidationFailure(new AcmeServerProblem("dns", `TXT ${fqdn}: DNS status ${result.status}`), false);
  const values = result.answers.filter((answer) => answer.type === RR_TYPE.TXT);
  if (!values.some((answer) => txtMatches(answer.data, expected))) {
    throw new ValidationFailure(new AcmeServerProblem("unauthorized", `no TXT record at ${fqdn} holds the expected value`), false);
  }
}

/** One attempt at `challenge` of `authorization` for the account key `jwk`; throws ValidationFailure. */
export async function validateOnce(authorization: AcmeAuthorizationRow, challenge: AcmeChallengeRow, jwk: PublicJwk, settings: ValidationSettings): Promise<void> {
  if (settings.resolverUrl === "none" && !(challenge.type === "http-01" && authorization.identifier.type === "ip")) {
    throw new ValidationFailure(new AcmeServerProblem("dns", "this server has no DNS-over-HTTPS resolver (DOH_RESOLVER_URL=none)"), true);
  }
  const keyAuthz = await keyAuthorization(challenge.token, jwk);
  const name = authorization.identifier.value;
  if (challenge.type === "http-01") return validateHttp01(name, authorization.identifier.type === "ip", challenge.token, keyAuthz, settings);
  return validateDns01(name, await dns01TxtValue(keyAuthz), settings);
}
