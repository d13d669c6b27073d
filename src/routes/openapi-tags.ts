/**
 * Tags of the OpenAPI document by API surface: each tag a route uses is declared at the top level with its
 * description, in the order of its surface, and grouped per surface in `x-tagGroups` (Redoc's side menu; Swagger UI
 * lists the tags in the declared order). An operation without a tag gets its surface's name, so none is left out.
 */
import { OPERATION_METHODS, type OpenApiDocument, type OpenApiOperation, type OpenApiPathItem, type OpenApiTag } from "./openapi-document";

interface Surface {
  name: string;
  /** Whether a path belongs to this surface, asked in MATCH_ORDER: the first that says yes owns the path. */
  matches: (path: string) => boolean;
}

const NATIVE: Surface = { name: "Native API", matches: (path) => path.startsWith("/api/v1/") };
const OPERATOR: Surface = { name: "Operator", matches: (path) => path.startsWith("/api/v1/admin/") };
const VERCEL: Surface = { name: "Vercel-compatible", matches: (path) => /^\/v\d+\//.test(path) };
const OPENAI: Surface = { name: "OpenAI-compatible", matches: (path) => path.startsWith("/v1/organization/") };
const SERVICE: Surface = { name: "Service", matches: () => true };

/** The surfaces in the order the docs list them. */
const SURFACES: readonly Surface[] = [NATIVE, OPERATOR, VERCEL, OPENAI, SERVICE];
/** The most specific first: `/api/v1/admin/` before `/api/v1/`, `/v1/organization/` before any `/v1/`. */
const MATCH_ORDER: readonly Surface[] = [OPERATOR, NATIVE, OPENAI, VERCEL, SERVICE];

/** What each tag covers. A tag missing here is declared without a description, which Redocly's lint reports. */
const TAG_DESCRIPTIONS: Record<string, string> = {
  Teams: "The caller's team, its creation by the operator, and its audit log of changes.",
  Tokens: "The team's API tokens: created with chosen scopes and shown once, listed without secrets, revoked.",
  Projects: "Projects and the domain each one holds: a name belongs to one team at a time.",
  Certificates:
    "A project's server certificate: validate and upload one, obtain and renew over ACME (HTTP-01, DNS-01), status, " +
    "automatic renewal, revocation, export of the key; and the team's inventory of certificates.",
  "Deploy targets": "Where a project's certificate is delivered after each issuance, renewal and upload.",
  "DNS connections": "DNS provider credentials saved once, checked and sealed, for DNS-01 obtains and their renewals to use by id.",
  Webhooks: "Endpoints that receive the team's certificate events, signed as Standard Webhooks, and their deliveries.",
  "Private CA":
    "The team's own certificate authorities: roots, intermediates and imported CAs with name constraints; leaf certificates " +
    "for servers and mTLS clients from a CSR or with a sealed generated key; revocation into a CRL re-signed at once.",
  "ACME server":
    "The team's RFC 8555 ACME server directories (`/acme/{id}/directory`) for certbot, lego, Caddy and cert-manager, and their " +
    "External Account Binding keys, shown once.",
  Operator: "The operator's calls (ADMIN_TOKEN): sweeps run by hand, resealing after a key rotation, ACME account keys.",
  PKI: "What relying parties fetch, unauthenticated: a private CA's CRL and certificate (DER), cacheable for 10 seconds.",
  Monitoring: "Prometheus metrics: certificate expiry, renewal and readiness, and request counters.",
  "Vercel: certs": "Vercel-compatible certificates (`/v8/certs`): upload, issue, list, get, delete, export.",
  "Vercel: client certificates": "Vercel-compatible mTLS client certificates of a project, for egress mutual TLS.",
  "OpenAI: organization certificates": "OpenAI-compatible organization certificates: CA certificates for mutual TLS.",
  "OpenAI: project certificates": "Which of the organization's certificates are active for a project.",
};

/** Events the service sends (the document's `webhooks`) are configured through the native API: listed with it. */
const WEBHOOK_SURFACE = NATIVE;

/** The document with a tag on every operation, every tag declared, and the tags grouped by surface (a copy). */
export function withSurfaceTags<T extends OpenApiDocument>(document: T): T {
  const surfaceOfTag = new Map<string, Surface>();
  const tagOperations = (items: Record<string, OpenApiPathItem> | undefined, surfaceOf: (key: string) => Surface) =>
    items &&
    Object.fromEntries(
      Object.entries(items).map(([key, item]) => {
        const surface = surfaceOf(key);
        const tagged: OpenApiPathItem = { ...item };
        for (const method of OPERATION_METHODS) {
          const operation: OpenApiOperation | undefined = item[method];
          if (!operation) continue;
          const tags = operation.tags?.length ? operation.tags : [surface.name];
          tagged[method] = { ...operation, tags };
          for (const tag of tags) if (!surfaceOfTag.has(tag)) surfaceOfTag.set(tag, surface);
        }
        return [key, tagged];
      }),
    );
  const paths = tagOperations(document.paths, (path) => MATCH_ORDER.find((surface) => surface.matches(path))!);
  const webhooks = tagOperations(document.webhooks, () => WEBHOOK_SURFACE);
  const declared = new Map((document.tags ?? []).map((tag) => [tag.name, tag]));
  const groups = SURFACES.map((surface) => ({
    name: surface.name,
    tags: [...surfaceOfTag].filter(([, owner]) => owner === surface).map(([tag]) => tag),
  })).filter((group) => group.tags.length > 0);
  const tags: OpenApiTag[] = groups.flatMap((group) =>
    group.tags.map((name) => {
      const description = declared.get(name)?.description ?? TAG_DESCRIPTIONS[name];
      return description === undefined ? { name } : { name, description };
    }),
  );
  return { ...document, paths, webhooks, tags, "x-tagGroups": groups };
}
