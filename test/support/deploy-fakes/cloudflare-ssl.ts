/**
 * A fake of the Cloudflare API v4 endpoints the Cloudflare deploy targets call, with in-memory state:
 *
 * - Custom hostnames (Cloudflare for SaaS), list / get / create / edit / delete:
 *   https://developers.cloudflare.com/api/resources/custom_hostnames/ ; success statuses and error codes from
 *   https://developers.cloudflare.com/cloudflare-for-platforms/cloudflare-for-saas/reference/status-codes/custom-hostnames/ ;
 *   the custom certificate `ssl` object from
 *   https://developers.cloudflare.com/cloudflare-for-platforms/cloudflare-for-saas/security/certificate-management/custom-certificates/uploading-certificates/
 * - A zone's custom certificates, list / get / create / edit / delete:
 *   https://developers.cloudflare.com/api/resources/custom_certificates/ ; error codes from
 *   https://developers.cloudflare.com/ssl/edge-certificates/custom-certificates/troubleshooting/ ; "PATCHing a
 *   configuration for sni_custom certificates will result in a new resource id being returned, and the previous one
 *   being deleted" from the Edit SSL Configuration reference.
 * - The API's global rate limit, 1200 requests per five minutes per user, then HTTP 429 with `retry-after` in seconds:
 *   https://developers.cloudflare.com/fundamentals/api/reference/limits/ (the envelope's code 971 and its message
 *   are what the API sends with it).
 *
 * Bearer-token auth and its errors as in the DNS fake. Every certificate is checked the way Cloudflare refuses one:
 * unparseable, a key that is not PEM or does not match (key-match.ts), a certificate that does not cover the custom
 * hostname or any name of the zone. Simplifications: the key must be PKCS#8 (Cloudflare also takes PKCS#1 and SEC1,
 * Certdesk sends PKCS#8), trust in the chain is not checked, and an unknown custom certificate id answers 404 with the
 * API's generic 7003 (the documented PATCH answer, 400 code 1002, is kept for PATCH).
 *
 * Plain web APIs only, so it can also be mounted as a local HTTP server under Node: `handle` logs every request.
 */
// @peculiar/x509's dependency injection needs the Reflect.metadata polyfill loaded first under Node (as src/pki/x509-setup.ts does).
import "reflect-metadata";
import { SubjectAlternativeNameExtension, X509Certificate } from "@peculiar/x509";
import { jsonResponse, readJson } from "../dns-fakes/shared";
import { keyMismatch } from "./key-match";

export interface CloudflareSslFakeOptions {
  apiToken: string;
  /** The zones the token can see: zone id (32 lower-case hex) → zone name. */
  zones: Record<string, string>;
  /** Default: Cloudflare's global limit, 1200 requests per 5 minutes. */
  rateLimit?: { requests: number; windowMs: number };
  /** Milliseconds since the epoch (default Date.now), for the rate limit. */
  now?: () => number;
}

/** A custom certificate as the fake holds it (the PEM exactly as sent). */
export interface FakeCertificateState {
  certificatePem: string;
  keyPem: string;
  /** The leaf's serial number, lower-case hex. */
  serialHex: string;
  /** The leaf's SAN dNSNames, lower-cased. */
  hosts: string[];
  issuer: string;
  expiresOn: string;
  uploadedOn: string;
}

export interface FakeCustomHostname {
  id: string;
  zoneId: string;
  hostname: string;
  createdAt: string;
  ssl: {
    id: string;
    status: string;
    bundleMethod: string;
    /** Set while Cloudflare manages the certificate (DCV method and type). */
    method?: string;
    type?: string;
  } & Partial<FakeCertificateState>;
}

export interface FakeCustomCertificate extends FakeCertificateState {
  id: string;
  zoneId: string;
  bundleMethod: string;
  type: string;
  modifiedOn: string;
}

export interface CloudflareSslFake {
  readonly handle: (request: Request) => Promise<Response>;
  /** The fake as a `fetch`, to pass as DeployTargetOptions.fetch. */
  readonly fetch: typeof fetch;
  readonly customHostnames: Map<string, FakeCustomHostname>;
  readonly customCertificates: Map<string, FakeCustomCertificate>;
  /** Every request seen, as "METHOD /path?query", refused ones included. */
  readonly requests: string[];
  /** The next `n` requests answer 429 (code 971) with `retry-after: retryAfterSeconds` (default 300, the limit's window). */
  throttleNext(n: number, retryAfterSeconds?: number): void;
  /** While on, every request answers 503 with an HTML page, as from Cloudflare's edge. */
  down(on: boolean): void;
}

const PREFIX = "/client/v4";
const BUNDLE_METHODS = new Set(["ubiquitous", "optimal", "force"]);

interface ApiError {
  code: number;
  message: string;
  error_chain?: { code: number; message: string }[];
}

/** A refusal: its HTTP status and the envelope's one error. */
class Refusal {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly message: string,
  ) {}
}

function envelope(status: number, result: unknown, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  return jsonResponse(status, { success: status < 300, errors: [], messages: [], result, ...extra }, headers);
}

function errors(status: number, list: ApiError[], headers: Record<string, string> = {}): Response {
  return jsonResponse(status, { success: false, errors: list, messages: [], result: null }, headers);
}

function listEnvelope(result: unknown[]): Response {
  return envelope(200, result, { result_info: { page: 1, per_page: 50, count: result.length, total_count: result.length, total_pages: 1 } });
}

/** An edge error page, as Cloudflare serves when the API behind it is unreachable. */
function outage(): Response {
  return new Response("<!DOCTYPE html><html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>cloudflare</center></body></html>", {
    status: 503,
    headers: { "content-type": "text/html; charset=UTF-8" },
  });
}

function pemBlocks(text: string, label: string): string[] {
  return text.match(new RegExp(`-----BEGIN ${label}-----[A-Za-z0-9+/=\\s]+?-----END ${label}-----`, "g")) ?? [];
}

/** The codes and messages each API uses for a certificate it refuses. */
interface CertificateRefusals {
  empty: Refusal;
  unparseable: Refusal;
  badKey: Refusal;
  mismatch: Refusal;
}

const hostnameRefusals: CertificateRefusals = {
  empty: new Refusal(400, 1427, "The certificate that you uploaded is empty. Check your input and try again."),
  unparseable: new Refusal(400, 1426, "The certificate that you uploaded cannot be parsed. Check your input and try again."),
  badKey: new Refusal(400, 1428, "The private key you uploaded cannot be parsed. Check your input and try again."),
  mismatch: new Refusal(400, 1429, "The private key you uploaded does not match the certificate. Check your input and try again."),
};

const zoneRefusals: CertificateRefusals = {
  empty: new Refusal(400, 1002, "Invalid certificate."),
  unparseable: new Refusal(400, 1002, "Invalid certificate."),
  badKey: new Refusal(400, 2106, "The private key you uploaded is invalid. Please check your input and try again."),
  mismatch: new Refusal(400, 2200, "The certificate and private key pair you uploaded is invalid."),
};

/** Reads and checks a certificate (leaf first, then its chain) and its private key, as Cloudflare does on upload. */
async function readCertificate(certificate: unknown, key: unknown, refusals: CertificateRefusals, now: number): Promise<FakeCertificateState> {
  if (typeof certificate !== "string" || certificate.trim() === "") throw refusals.empty;
  const blocks = pemBlocks(certificate, "CERTIFICATE");
  if (blocks.length === 0) throw refusals.unparseable;
  let leaf: X509Certificate;
  try {
    [leaf] = blocks.map((block) => new X509Certificate(block)) as [X509Certificate];
  } catch {
    throw refusals.unparseable;
  }
  const [keyPem] = typeof key === "string" ? pemBlocks(key, "PRIVATE KEY") : [];
  if (!keyPem) throw refusals.badKey;
  if (await keyMismatch(blocks[0]!, keyPem)) throw refusals.mismatch;
  const san = leaf.getExtension(SubjectAlternativeNameExtension);
  const hosts = (san?.names.items ?? []).filter((name) => name.type === "dns").map((name) => name.value.toLowerCase());
  return {
    certificatePem: certificate,
    keyPem: key as string,
    serialHex: leaf.serialNumber.toLowerCase(),
    hosts,
    issuer: leaf.issuer,
    expiresOn: leaf.notAfter.toISOString(),
    uploadedOn: new Date(now).toISOString(),
  };
}

/** Whether `hosts` cover `name`: exactly, or by a wildcard standing for exactly one label. */
function covers(hosts: string[], name: string): boolean {
  return hosts.some((host) => {
    if (host === name) return true;
    if (!host.startsWith("*.")) return false;
    const dot = name.indexOf(".");
    return dot > 0 && !name.startsWith("*.") && name.slice(dot) === host.slice(1);
  });
}

function inZone(host: string, zone: string): boolean {
  const bare = host.replace(/^\*\./, "");
  return bare === zone || bare.endsWith(`.${zone}`);
}

/** 1407's rule, in short: a host name, optionally a wildcard, under 256 characters, no IP address. */
function isHostname(name: unknown): name is string {
  if (typeof name !== "string" || name.length === 0 || name.length > 255) return false;
  const labels = name.replace(/^\*\./, "").split(".");
  return labels.length >= 2 && labels.every((l) => /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i.test(l)) && !/^[0-9]+$/.test(labels.at(-1)!);
}

export function createCloudflareSslFake(options: CloudflareSslFakeOptions): CloudflareSslFake {
  const now = options.now ?? (() => Date.now());
  const limit = options.rateLimit ?? { requests: 1200, windowMs: 5 * 60_000 };
  const customHostnames = new Map<string, FakeCustomHostname>();
  const customCertificates = new Map<string, FakeCustomCertificate>();
  const requests: string[] = [];
  const recent: number[] = [];
  let blockedUntil = 0;
  let forcedThrottles = 0;
  let forcedRetryAfter = 300;
  let isDown = false;

  /** Cloudflare's global limit: past it, every call is refused until the window has passed. */
  function throttled(): Response | undefined {
    const at = now();
    const retry = (seconds: number) =>
      errors(429, [{ code: 971, message: "Please wait and consider throttling your request speed" }], { "retry-after": String(seconds) });
    if (forcedThrottles > 0) {
      forcedThrottles -= 1;
      return retry(forcedRetryAfter);
    }
    if (at < blockedUntil) return retry(Math.ceil((blockedUntil - at) / 1000));
    while (recent.length > 0 && recent[0]! <= at - limit.windowMs) recent.shift();
    if (recent.length >= limit.requests) {
      blockedUntil = at + limit.windowMs;
      return retry(Math.ceil(limit.windowMs / 1000));
    }
    recent.push(at);
    return undefined;
  }

  function authFailure(request: Request): Response | undefined {
    const authorization = request.headers.get("authorization");
    if (!authorization || !/^Bearer \S+$/.test(authorization)) {
      return errors(400, [
        { code: 6003, message: "Invalid request headers", error_chain: [{ code: 6111, message: "Invalid format for Authorization header" }] },
      ]);
    }
    if (authorization !== `Bearer ${options.apiToken}`) return errors(403, [{ code: 9109, message: "Invalid access token" }]);
    return undefined;
  }

  // ---- custom hostnames ------------------------------------------------------------------------------------------

  function hostnameResult(h: FakeCustomHostname) {
    const { ssl } = h;
    return {
      id: h.id,
      hostname: h.hostname,
      created_at: h.createdAt,
      status: "active",
      ssl: {
        id: ssl.id,
        status: ssl.status,
        bundle_method: ssl.bundleMethod,
        ...(ssl.method ? { method: ssl.method, type: ssl.type } : {}),
        // The certificate is shown back; the key never is.
        ...(ssl.certificatePem
          ? { custom_certificate: ssl.certificatePem, serial_number: ssl.serialHex, hosts: ssl.hosts, issuer: ssl.issuer, expires_on: ssl.expiresOn, uploaded_on: ssl.uploadedOn }
          : {}),
      },
    };
  }

  /** The `ssl` object of a create or edit: a custom certificate (checked against the hostname), or managed DCV settings. */
  async function hostnameSsl(hostname: string, ssl: Record<string, unknown>, current?: FakeCustomHostname["ssl"]): Promise<FakeCustomHostname["ssl"]> {
    const bundleMethod = ssl.bundle_method ?? current?.bundleMethod ?? "ubiquitous";
    if (typeof bundleMethod !== "string" || !BUNDLE_METHODS.has(bundleMethod)) {
      throw new Refusal(400, 1449, "The request input bundle_method must be one of: ubiquitous, optimal, force.");
    }
    if (ssl.custom_certificate !== undefined || ssl.custom_key !== undefined) {
      const state = await readCertificate(ssl.custom_certificate, ssl.custom_key, hostnameRefusals, now());
      if (!covers(state.hosts, hostname)) {
        throw new Refusal(400, 1446, `The certificate that you uploaded does not include the custom hostname - ${hostname}. Review your input and try again.`);
      }
      return { id: current?.id ?? crypto.randomUUID(), status: "active", bundleMethod, ...state };
    }
    if (current) return { ...current, bundleMethod };
    if (typeof ssl.method !== "string" || typeof ssl.type !== "string") {
      throw new Refusal(400, 1440, "Both validation type and validation method are required. Check your input and try again.");
    }
    return { id: crypto.randomUUID(), status: "pending_validation", bundleMethod, method: ssl.method, type: ssl.type };
  }

  async function customHostnameRoute(request: Request, url: URL, zoneId: string, id: string | undefined): Promise<Response> {
    const existing = id === undefined ? undefined : customHostnames.get(id);
    const notFound = () => errors(404, [{ code: 1436, message: "The custom hostname was not found." }]);

    if (request.method === "GET" && id === undefined) {
      const wanted = url.searchParams.get("hostname")?.toLowerCase();
      const wantedId = url.searchParams.get("id");
      const found = [...customHostnames.values()].filter(
        (h) => h.zoneId === zoneId && (!wanted || h.hostname === wanted) && (!wantedId || h.id === wantedId),
      );
      return listEnvelope(found.map(hostnameResult));
    }
    if (request.method === "POST" && id === undefined) {
      const body = await readJson(request);
      if (!body || typeof body !== "object") return errors(400, [{ code: 1400, message: "Unable to decode the JSON request body. Check your input and try again." }]);
      const { hostname: raw, ssl } = body as { hostname?: unknown; ssl?: unknown };
      if (!isHostname(raw)) {
        return errors(400, [{ code: 1407, message: "Invalid custom hostname. Custom hostnames have to be smaller than 256 characters in length, cannot be IP addresses, cannot contain any special characters. Check your input and try again." }]);
      }
      const hostname = raw.toLowerCase();
      if ([...customHostnames.values()].some((h) => h.zoneId === zoneId && h.hostname === hostname)) {
        return errors(409, [{ code: 1406, message: "Duplicate custom hostname found." }]);
      }
      const created: FakeCustomHostname = {
        id: crypto.randomUUID(),
        zoneId,
        hostname,
        createdAt: new Date(now()).toISOString(),
        ssl: await hostnameSsl(hostname, ssl && typeof ssl === "object" ? (ssl as Record<string, unknown>) : {}),
      };
      customHostnames.set(created.id, created);
      return envelope(201, hostnameResult(created));
    }
    if (!existing || existing.zoneId !== zoneId) return notFound();
    if (request.method === "GET") return envelope(200, hostnameResult(existing));
    if (request.method === "PATCH") {
      const body = await readJson(request);
      if (!body || typeof body !== "object") return errors(400, [{ code: 1400, message: "Unable to decode the JSON request body. Check your input and try again." }]);
      const { ssl } = body as { ssl?: unknown };
      if (ssl !== undefined) {
        if (!ssl || typeof ssl !== "object") return errors(400, [{ code: 1434, message: "The SSL attribute is invalid. Refer to the API documentation, check your input and try again." }]);
        existing.ssl = await hostnameSsl(existing.hostname, ssl as Record<string, unknown>, existing.ssl);
      }
      return envelope(202, hostnameResult(existing));
    }
    if (request.method === "DELETE") {
      customHostnames.delete(existing.id);
      return envelope(200, { id: existing.id });
    }
    return errors(405, [{ code: 10405, message: "Method not allowed for this route" }]);
  }

  // ---- a zone's custom certificates ------------------------------------------------------------------------------

  function certificateResult(c: FakeCustomCertificate) {
    return {
      id: c.id,
      zone_id: c.zoneId,
      hosts: c.hosts,
      issuer: c.issuer,
      bundle_method: c.bundleMethod,
      type: c.type,
      status: "active",
      priority: 0,
      expires_on: c.expiresOn,
      uploaded_on: c.uploadedOn,
      modified_on: c.modifiedOn,
    };
  }

  async function zoneCertificate(zoneId: string, body: Record<string, unknown>, current?: FakeCustomCertificate): Promise<FakeCustomCertificate> {
    const bundleMethod = body.bundle_method ?? current?.bundleMethod ?? "ubiquitous";
    if (typeof bundleMethod !== "string" || !BUNDLE_METHODS.has(bundleMethod)) {
      throw new Refusal(400, 1449, "The request input bundle_method must be one of: ubiquitous, optimal, force.");
    }
    const type = current?.type ?? body.type ?? "legacy_custom";
    if (type !== "legacy_custom" && type !== "sni_custom") throw new Refusal(400, 1434, "The SSL attribute is invalid. Refer to the API documentation, check your input and try again.");
    // PATCH may send a new key, a new certificate, or both ("a new private key and/or PEM/CRT").
    const state = await readCertificate(body.certificate ?? current?.certificatePem, body.private_key ?? current?.keyPem, zoneRefusals, now());
    const zone = options.zones[zoneId]!;
    if (!state.hosts.some((host) => inZone(host, zone))) {
      throw new Refusal(400, 2103, "The certificate chain you uploaded does not include any hostnames from your zone. Please check your input and try again.");
    }
    const duplicate = [...customCertificates.values()].find(
      (c) => c.zoneId === zoneId && c.id !== current?.id && c.serialHex === state.serialHex && c.issuer === state.issuer,
    );
    if (duplicate) throw new Refusal(400, 1220, "This certificate has already been submitted.");
    return { id: current?.id ?? crypto.randomUUID(), zoneId, bundleMethod, type, modifiedOn: state.uploadedOn, ...state };
  }

  async function customCertificateRoute(request: Request, zoneId: string, id: string | undefined): Promise<Response> {
    if (request.method === "GET" && id === undefined) {
      return listEnvelope([...customCertificates.values()].filter((c) => c.zoneId === zoneId).map(certificateResult));
    }
    if (request.method === "POST" && id === undefined) {
      const body = await readJson(request);
      if (!body || typeof body !== "object") return errors(400, [{ code: 1400, message: "Unable to decode the JSON request body. Check your input and try again." }]);
      const created = await zoneCertificate(zoneId, body as Record<string, unknown>);
      customCertificates.set(created.id, created);
      return envelope(200, certificateResult(created));
    }
    const existing = id === undefined ? undefined : customCertificates.get(id);
    if (!existing || existing.zoneId !== zoneId) {
      // The troubleshooting page: on PATCH, 1002 "Invalid certificate." can mean the id is invalid.
      if (request.method === "PATCH") return errors(400, [{ code: 1002, message: "Invalid certificate." }]);
      return errors(404, [{ code: 7003, message: `Could not route to /zones/${zoneId}/custom_certificates/${id}, perhaps your object identifier is invalid?` }]);
    }
    if (request.method === "GET") return envelope(200, certificateResult(existing));
    if (request.method === "PATCH") {
      const body = await readJson(request);
      if (!body || typeof body !== "object") return errors(400, [{ code: 1400, message: "Unable to decode the JSON request body. Check your input and try again." }]);
      const updated = await zoneCertificate(zoneId, body as Record<string, unknown>, existing);
      // Edit SSL Configuration: an sni_custom certificate gets a new id and the previous one is deleted.
      if (updated.type === "sni_custom") {
        customCertificates.delete(existing.id);
        updated.id = crypto.randomUUID();
      }
      customCertificates.set(updated.id, updated);
      return envelope(200, certificateResult(updated));
    }
    if (request.method === "DELETE") {
      customCertificates.delete(existing.id);
      return envelope(200, { id: existing.id });
    }
    return errors(405, [{ code: 10405, message: "Method not allowed for this route" }]);
  }

  // ---- routing ---------------------------------------------------------------------------------------------------

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    if (isDown) return outage();
    const limited = throttled();
    if (limited) return limited;
    if (!url.pathname.startsWith(PREFIX)) return errors(404, [{ code: 7000, message: "No route for that URI" }]);
    const refusedAuth = authFailure(request);
    if (refusedAuth) return refusedAuth;

    const path = url.pathname.slice(PREFIX.length).replace(/\/$/, "");
    const match = /^\/zones\/([^/]+)\/(custom_hostnames|custom_certificates)(?:\/([^/]+))?$/.exec(path);
    if (!match) return errors(404, [{ code: 7000, message: "No route for that URI" }]);
    const zoneId = decodeURIComponent(match[1]!);
    if (!Object.hasOwn(options.zones, zoneId)) {
      return errors(404, [{ code: 7003, message: `Could not route to /zones/${zoneId}, perhaps your object identifier is invalid?` }]);
    }
    const id = match[3] === undefined ? undefined : decodeURIComponent(match[3]);
    try {
      return match[2] === "custom_hostnames" ? await customHostnameRoute(request, url, zoneId, id) : await customCertificateRoute(request, zoneId, id);
    } catch (error) {
      if (error instanceof Refusal) return errors(error.status, [{ code: error.code, message: error.message }]);
      throw error;
    }
  }

  return {
    handle,
    fetch: async (input, init) => handle(new Request(input, init)),
    customHostnames,
    customCertificates,
    requests,
    throttleNext(n, retryAfterSeconds = 300) {
      forcedThrottles = n;
      forcedRetryAfter = retryAfterSeconds;
    },
    down(on) {
      isDown = on;
    },
  };
}
