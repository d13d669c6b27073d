/**
 * http-01 validation follows redirects as Let's Encrypt does: up to 10, http on port 80 (or the test port) or https on
 * 443, each target resolved over DoH and held to the same address rules; anything else fails the challenge for good
 * with a `connection` problem. The resolver and the web servers are fakes.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { generateAccountKey, type PublicJwk } from "../../../src/acme";
import { keyAuthorization } from "../../../src/acme/jws";
import { publicJwk } from "../../../src/acme/account-key";
import type { HttpAnswer, HttpGetAt } from "../../../src/outbound/http-get-at";
import type { HttpsGet } from "../../../src/outbound/https-get";
import { MAX_REDIRECTS, validateOnce, ValidationFailure, type ValidationSettings } from "../../../src/services/acme-server/validation";
import type { AcmeAuthorizationRow, AcmeChallengeRow } from "../../../src/store/acme-server-orders";

const TOKEN = "dGhlLXRva2VuLW9mLWF0LWxlYXN0LTEyOC1iaXRzLWxvbmc";
const FIRST = `/.well-known/acme-challenge/${TOKEN}`;
let jwk: PublicJwk;
let expected: string;

beforeAll(async () => {
  jwk = await publicJwk((await generateAccountKey()).publicKey);
  expected = await keyAuthorization(TOKEN, jwk);
});

const authorization = (value: string, type: "dns" | "ip" = "dns") => ({ identifier: { type, value } }) as AcmeAuthorizationRow;
const challenge = { type: "http-01", token: TOKEN } as AcmeChallengeRow;

/**
 * A network: names resolve to `addresses` (A records over DoH), and `server(address, port, host, path)` answers each
 * GET; `asked` records them as "address:port host path".
 */
function network(addresses: Record<string, string>, server: (hop: { address: string; port: number; host: string; path: string }) => HttpAnswer | Promise<HttpAnswer>) {
  const asked: string[] = [];
  const fetch: typeof globalThis.fetch = async (input) => {
    const url = new URL(String(input));
    const address = addresses[url.searchParams.get("name") ?? ""];
    return Response.json({ Status: 0, Answer: url.searchParams.get("type") === "A" && address ? [{ type: 1, data: address }] : [] });
  };
  const httpGet: HttpGetAt = async (hop) => {
    asked.push(`${hop.address}:${hop.port} ${hop.host} ${hop.path}`);
    return server(hop);
  };
  // https goes by name (the Worker's fetch); the fake answers as the name's address would.
  const httpsGet: HttpsGet = async (href) => {
    const url = new URL(href);
    asked.push(href);
    return server({ address: addresses[url.hostname] ?? url.hostname, port: Number(url.port || 443), host: url.hostname, path: `${url.pathname}${url.search}` });
  };
  return { asked, settings: (extra: Partial<ValidationSettings> = {}): ValidationSettings => ({ resolverUrl: "https://doh.test/dns-query", fetch, httpGet, httpsGet, ...extra }) };
}

const redirect = (location: string | undefined, status = 302): HttpAnswer => ({ status, body: "", ...(location !== undefined ? { location } : {}) });

async function failure(promise: Promise<void>): Promise<ValidationFailure> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationFailure);
  return error as ValidationFailure;
}

describe("http-01 redirects", () => {
  it("follows relative and absolute http redirects to other paths and names, resolving each name", async () => {
    const net = network({ "a.example.com": "93.184.216.34", "b.example.com": "93.184.216.35" }, ({ host, path }) => {
      if (host === "a.example.com" && path === FIRST) return redirect(`/moved/${TOKEN}`, 301);
      if (host === "a.example.com" && path === `/moved/${TOKEN}`) return redirect(`http://B.example.com/acme/${TOKEN}?x=1`, 307);
      if (host === "b.example.com" && path === `/acme/${TOKEN}?x=1`) return { status: 200, body: `${expected}\n` };
      return { status: 404, body: "" };
    });
    await validateOnce(authorization("a.example.com"), challenge, jwk, net.settings());
    expect(net.asked).toEqual([`93.184.216.34:80 a.example.com ${FIRST}`, `93.184.216.34:80 a.example.com /moved/${TOKEN}`, `93.184.216.35:80 b.example.com /acme/${TOKEN}?x=1`]);
  });

  it("follows a redirect to https on port 443, by name, its address checked first", async () => {
    const net = network({ "s.example.com": "93.184.216.34" }, ({ port, path }) => (port === 80 ? redirect(`https://s.example.com${path}`, 301) : { status: 200, body: expected }));
    await validateOnce(authorization("s.example.com"), challenge, jwk, net.settings());
    expect(net.asked).toEqual([`93.184.216.34:80 s.example.com ${FIRST}`, `https://s.example.com${FIRST}`]);
    const lan = network({ "t.example.com": "93.184.216.34", "lan.example.com": "10.0.0.9" }, () => redirect(`https://lan.example.com${FIRST}`));
    const refused = await failure(validateOnce(authorization("t.example.com"), challenge, jwk, lan.settings()));
    expect(refused.problem.detail).toMatch(/resolves to 10\.0\.0\.9/);
    expect(lan.asked).toHaveLength(1);
  });

  it(`follows ${MAX_REDIRECTS} redirects and refuses the ${MAX_REDIRECTS + 1}th`, async () => {
    const hops = (limit: number) =>
      network({ "c.example.com": "93.184.216.34" }, ({ path }) => {
        const n = path === FIRST ? 0 : Number(path.split("/").pop());
        return n < limit ? redirect(`/hop/${n + 1}`) : { status: 200, body: expected };
      });
    const ten = hops(MAX_REDIRECTS);
    await validateOnce(authorization("c.example.com"), challenge, jwk, ten.settings());
    expect(ten.asked).toHaveLength(MAX_REDIRECTS + 1);
    const eleven = hops(MAX_REDIRECTS + 1);
    const refused = await failure(validateOnce(authorization("c.example.com"), challenge, jwk, eleven.settings()));
    expect(refused.final).toBe(true);
    expect(refused.problem.type).toBe("connection");
    expect(refused.problem.detail).toMatch(/more than 10 redirects/);
    expect(eleven.asked).toHaveLength(MAX_REDIRECTS + 1);
  });

  it("refuses other schemes and ports, a loop, a missing Location and a host that is not one, each for good", async () => {
    const cases: [string | undefined, RegExp][] = [
      ["ftp://d.example.com/x", /only http and https are followed/],
      [`http://d.example.com:8080${FIRST}`, /port 8080/],
      [`http://d.example.com:443${FIRST}`, /port 443/],
      [`https://d.example.com:8443${FIRST}`, /port 8443/],
      [`https://d.example.com:80${FIRST}`, /port 80:/],
      [FIRST, /redirect loop/],
      [undefined, /without a Location/],
      ["http://bad_name!.example/x", /host|not a URL/],
    ];
    for (const [location, detail] of cases) {
      const net = network({ "d.example.com": "93.184.216.34" }, ({ path }) => (path === FIRST ? redirect(location) : { status: 200, body: expected }));
      const refused = await failure(validateOnce(authorization("d.example.com"), challenge, jwk, net.settings()));
      expect(refused.final, String(location)).toBe(true);
      expect(refused.problem.type).toBe("connection");
      expect(refused.problem.detail, String(location)).toMatch(detail);
      expect(net.asked).toHaveLength(1);
    }
  });

  it("holds each target to the address rules: a name resolving to a private address is not fetched without the test port", async () => {
    const net = network({ "e.example.com": "93.184.216.34", "lan.example.com": "10.0.0.8" }, ({ host }) => (host === "e.example.com" ? redirect(`http://lan.example.com${FIRST}`) : { status: 200, body: expected }));
    const refused = await failure(validateOnce(authorization("e.example.com"), challenge, jwk, net.settings()));
    expect(refused.problem.detail).toMatch(/lan\.example\.com resolves to 10\.0\.0\.8/);
    expect(net.asked).toEqual([`93.184.216.34:80 e.example.com ${FIRST}`]);
  });

  it("with the test port, follows a redirect to that port, and an IP identifier's redirect to an IP literal", async () => {
    const net = network({}, ({ address, path }) => (address === "127.0.0.1" && path === FIRST ? redirect(`http://[::1]:5002/ok`) : { status: 200, body: expected }));
    await validateOnce(authorization("127.0.0.1", "ip"), challenge, jwk, net.settings({ http01Port: 5002 }));
    expect(net.asked).toEqual([`127.0.0.1:5002 127.0.0.1 ${FIRST}`, "::1:5002 ::1 /ok"]);
  });
});
