/**
 * A fake of Google's OAuth 2.0 token endpoint (JWT bearer grant) and the Cloud DNS v1 API (managedZones,
 * rrsets, changes), in memory. The token endpoint decodes the service account's JWT assertion, checks
 * iss/scope/aud/iat/exp and verifies its RS256 signature with the account's public key before issuing an
 * access token; the DNS API accepts only tokens it issued.
 *
 * A change is created `pending` and turns `done` once it is in effect on every authoritative server
 * (https://cloud.google.com/dns/docs/reference/rest/v1/changes): here `doneAfterMs` after it was made, read with
 * changes.get (https://cloud.google.com/dns/docs/reference/rest/v1/changes/get). A throttled request answers HTTP 429
 * RESOURCE_EXHAUSTED with reason rateLimitExceeded (https://cloud.google.com/apis/design/errors#handling_errors).
 */
import { asFetch, countdown, jsonResponse, readJson, unquote, zoneOf, type DnsFake } from "./shared";

export interface GoogleFakeOptions {
  projectId: string;
  clientEmail: string;
  /** The public half of the service account key (RSASSA-PKCS1-v1_5 / SHA-256, usage "verify"). */
  publicKey: CryptoKey;
  zones: { name: string; dnsName: string; visibility?: "public" | "private" }[];
  tokenUri?: string;
  now?: () => number;
  /** How long a change stays `pending` (default 0: `done` when first read back). */
  doneAfterMs?: number;
}

interface RecordSet {
  name: string;
  type: string;
  ttl: number;
  rrdatas: string[];
}

export interface GoogleFake extends DnsFake {
  /** How many access tokens the token endpoint has issued. */
  tokensIssued(): number;
  /** The claims of the last assertion accepted. */
  lastClaims(): Record<string, unknown> | undefined;
  /** Makes the next change call fail as if the set had changed concurrently (412). */
  failNextChange(): void;
  /** The status changes.get reports for change `id` now. */
  changeStatus(id: string): string | undefined;
}

const SCOPE = "https://www.googleapis.com/auth/ndev.clouddns.readwrite";
const GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

function base64UrlDecode(text: string): Uint8Array<ArrayBuffer> {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(padded + "=".repeat((4 - (padded.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function googleError(code: number, status: string, message: string, reason: string): Response {
  return jsonResponse(code, { error: { code, message, status, errors: [{ message, domain: "global", reason }] } });
}

export function createGoogleFake(options: GoogleFakeOptions): GoogleFake {
  const tokenUri = new URL(options.tokenUri ?? "https://oauth2.googleapis.com/token");
  const now = options.now ?? Date.now;
  const tokens = new Map<string, number>();
  const sets = new Map<string, Map<string, RecordSet>>(options.zones.map((z) => [z.name, new Map()]));
  const requests: string[] = [];
  let issued = 0;
  let lastClaims: Record<string, unknown> | undefined;
  let failNext = false;
  const throttled = countdown();
  const changes = new Map<string, { zone: string; madeAt: number; change: Record<string, unknown> }>();
  const statusOf = (id: string) => {
    const made = changes.get(id);
    return made && (now() - made.madeAt >= (options.doneAfterMs ?? 0) ? "done" : "pending");
  };

  const zoneName = (dnsName: string) => dnsName.replace(/\.$/, "");
  const invalidGrant = (description: string) => jsonResponse(400, { error: "invalid_grant", error_description: description });

  async function token(request: Request): Promise<Response> {
    if (request.method !== "POST" || !(request.headers.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded")) {
      return jsonResponse(400, { error: "invalid_request", error_description: "Expected a form-encoded POST" });
    }
    // formData(), not text(): workerd warns when .text() reads a form body.
    const form = await request.formData();
    if (form.get("grant_type") !== GRANT) return jsonResponse(400, { error: "unsupported_grant_type", error_description: "Invalid grant_type" });
    const assertion = form.get("assertion");
    const parts = (typeof assertion === "string" ? assertion : "").split(".");
    if (parts.length !== 3) return invalidGrant("Invalid JWT: Token must be a short-lived token and in a reasonable timeframe");
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(new TextDecoder().decode(base64UrlDecode(parts[0]!)));
      claims = JSON.parse(new TextDecoder().decode(base64UrlDecode(parts[1]!)));
    } catch {
      return invalidGrant("Invalid JWT: could not decode");
    }
    if (header.alg !== "RS256") return invalidGrant("Invalid JWT: alg must be RS256");
    const ok = await crypto.subtle.verify(
      "RSASSA-PKCS1-v1_5",
      options.publicKey,
      base64UrlDecode(parts[2]!),
      new TextEncoder().encode(`${parts[0]}.${parts[1]}`),
    );
    if (!ok) return invalidGrant("Invalid JWT Signature.");
    if (claims.iss !== options.clientEmail) return invalidGrant("Invalid grant: account not found");
    if (claims.aud !== tokenUri.toString()) return invalidGrant("Invalid JWT: aud must be the token endpoint");
    if (typeof claims.scope !== "string" || !claims.scope.split(" ").includes(SCOPE)) return invalidGrant("Invalid JWT: missing the Cloud DNS scope");
    const seconds = Math.floor(now() / 1000);
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    if (!Number.isInteger(iat) || !Number.isInteger(exp) || iat > seconds + 60 || exp <= seconds || exp - iat > 3600) {
      return invalidGrant("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.");
    }
    lastClaims = claims;
    issued++;
    const accessToken = `ya29.fake-${issued}-${crypto.randomUUID()}`;
    tokens.set(accessToken, now() + 3600_000);
    return jsonResponse(200, { access_token: accessToken, expires_in: 3599, token_type: "Bearer" });
  }

  async function dns(request: Request, url: URL): Promise<Response> {
    const bearer = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
    const expiry = bearer === undefined ? undefined : tokens.get(bearer);
    if (expiry === undefined || expiry <= now()) {
      return googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token.", "authError");
    }
    if (throttled.take()) {
      const message = "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service 'dns.googleapis.com'.";
      return jsonResponse(429, { error: { code: 429, message, status: "RESOURCE_EXHAUSTED", errors: [{ message, domain: "usageLimits", reason: "rateLimitExceeded" }] } });
    }
    const match = /^\/dns\/v1\/projects\/([^/]+)\/managedZones(?:\/([^/]+)\/(rrsets|changes)(?:\/([^/]+))?)?\/?$/.exec(url.pathname);
    if (!match) return googleError(404, "NOT_FOUND", "Not found", "notFound");
    if (decodeURIComponent(match[1]!) !== options.projectId) {
      return googleError(403, "PERMISSION_DENIED", "Forbidden", "forbidden");
    }
    if (!match[2]) {
      const dnsName = url.searchParams.get("dnsName");
      const managedZones = options.zones
        .filter((z) => !dnsName || z.dnsName === dnsName || z.dnsName === `${dnsName}.`)
        .map((z) => ({ kind: "dns#managedZone", name: z.name, dnsName: z.dnsName, visibility: z.visibility ?? "public" }));
      return jsonResponse(200, { kind: "dns#managedZonesListResponse", managedZones });
    }
    const zone = options.zones.find((z) => z.name === decodeURIComponent(match[2]!));
    const zoneSets = zone && sets.get(zone.name);
    if (!zone || !zoneSets) return googleError(404, "NOT_FOUND", `The 'parameters.managedZone' resource named '${match[2]}' does not exist.`, "notFound");

    if (match[3] === "rrsets" && request.method === "GET") {
      const name = url.searchParams.get("name");
      const type = url.searchParams.get("type");
      if (type && !name) return googleError(400, "INVALID_ARGUMENT", "type requires name", "invalid");
      if (name && !name.endsWith(".")) return jsonResponse(200, { kind: "dns#resourceRecordSetsListResponse", rrsets: [] });
      const rrsets = [...zoneSets.values()]
        .filter((s) => (!name || s.name === name) && (!type || s.type === type))
        .map((s) => ({ kind: "dns#resourceRecordSet", ...s, rrdatas: [...s.rrdatas] }));
      return jsonResponse(200, { kind: "dns#resourceRecordSetsListResponse", rrsets });
    }

    if (match[3] === "changes" && match[4] !== undefined) {
      if (request.method !== "GET") return googleError(405, "METHOD_NOT_ALLOWED", "Method not allowed", "methodNotAllowed");
      const id = decodeURIComponent(match[4]);
      const made = changes.get(id);
      if (!made || made.zone !== zone.name) return googleError(404, "NOT_FOUND", `The 'parameters.changeId' resource named '${id}' does not exist.`, "notFound");
      return jsonResponse(200, { ...made.change, status: statusOf(id) });
    }

    if (match[3] === "changes" && request.method === "POST") {
      if (failNext) {
        failNext = false;
        return googleError(412, "FAILED_PRECONDITION", "Precondition not met for 'entity.change.deletions[0]'", "conditionNotMet");
      }
      const body = (await readJson(request)) as { additions?: RecordSet[]; deletions?: RecordSet[] } | undefined;
      const additions = body?.additions ?? [];
      const deletions = body?.deletions ?? [];
      if (additions.length + deletions.length === 0) return googleError(400, "INVALID_ARGUMENT", "The 'entity.change' parameter is required but was missing.", "required");
      const staged = new Map(zoneSets);
      for (const [i, d] of deletions.entries()) {
        const current = staged.get(`${d.name} ${d.type}`);
        const same = current && current.ttl === d.ttl && current.rrdatas.length === d.rrdatas.length && current.rrdatas.every((v) => d.rrdatas.includes(v));
        if (!same) return googleError(412, "FAILED_PRECONDITION", `Precondition not met for 'entity.change.deletions[${i}]'`, "conditionNotMet");
        staged.delete(`${d.name} ${d.type}`);
      }
      for (const [i, a] of additions.entries()) {
        if (!a.name.endsWith(`${zone.dnsName}`) || !Array.isArray(a.rrdatas) || a.rrdatas.length === 0 || !Number.isInteger(a.ttl)) {
          return googleError(400, "INVALID_ARGUMENT", `Invalid value for 'entity.change.additions[${i}]'`, "invalid");
        }
        if (staged.has(`${a.name} ${a.type}`)) {
          return googleError(409, "ALREADY_EXISTS", `The resource 'entity.change.additions[${i}]' named '${a.name} (${a.type})' already exists`, "alreadyExists");
        }
        staged.set(`${a.name} ${a.type}`, { name: a.name, type: a.type, ttl: a.ttl, rrdatas: [...a.rrdatas] });
      }
      zoneSets.clear();
      for (const [k, v] of staged) zoneSets.set(k, v);
      const id = String(changes.size + 1);
      const change = { kind: "dns#change", id, startTime: new Date(now()).toISOString(), additions, deletions };
      changes.set(id, { zone: zone.name, madeAt: now(), change });
      return jsonResponse(200, { ...change, status: "pending" });
    }
    return googleError(405, "METHOD_NOT_ALLOWED", "Method not allowed", "methodNotAllowed");
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.origin === tokenUri.origin && url.pathname === tokenUri.pathname) return token(request);
    return dns(request, url);
  }

  function setAt(fqdn: string): { zoneSets: Map<string, RecordSet>; key: string } | undefined {
    const dnsName = zoneOf(fqdn, options.zones.map((z) => zoneName(z.dnsName)));
    const zone = options.zones.find((z) => zoneName(z.dnsName) === dnsName && z.visibility !== "private");
    return zone && { zoneSets: sets.get(zone.name)!, key: `${fqdn}. TXT` };
  }

  return {
    handle,
    fetch: asFetch(handle, requests),
    requests,
    tokensIssued: () => issued,
    lastClaims: () => lastClaims,
    failNextChange: () => {
      failNext = true;
    },
    changeStatus: statusOf,
    throttle: (count, retryAfterSeconds) => throttled.arm(count, retryAfterSeconds),
    txt(fqdn) {
      const at = setAt(fqdn);
      return (at?.zoneSets.get(at.key)?.rrdatas ?? []).map(unquote);
    },
    seed(fqdn, value) {
      const at = setAt(fqdn);
      if (!at) throw new Error(`no fake managed zone for ${fqdn}`);
      const current = at.zoneSets.get(at.key) ?? { name: `${fqdn}.`, type: "TXT", ttl: 300, rrdatas: [] };
      current.rrdatas.push(`"${value}"`);
      at.zoneSets.set(at.key, current);
    },
  };
}
