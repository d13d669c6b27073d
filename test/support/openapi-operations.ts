/**
 * The operations of a served OpenAPI document and what it takes to call them as a client: paths and bodies naming
 * the objects earlier calls created, and request-body examples with their elided private key (the document holds
 * none) replaced by a certificate and key made by the test. Plain TypeScript: the workerd tests and the Node ones share it.
 */
import { EXAMPLE_CLIENT_CERTIFICATE_PEM, EXAMPLE_PRIVATE_KEY } from "../../src/routes/openapi-example-material";

export const OPERATION_METHODS = ["get", "post", "put", "patch", "delete"] as const;

export interface DocumentOperation {
  method: string;
  /** The path template, e.g. `/api/v1/cas/{id}/certificates/{certId}`. */
  path: string;
  operation: {
    security?: unknown[];
    parameters?: { in: string; name: string }[];
    requestBody?: { content?: Record<string, { example?: unknown }> };
    responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  };
  /** The request body's example (undefined: none, or no body). */
  example: unknown;
}

/** Every operation of `document`, in its order. */
export function operationsOf(document: any): DocumentOperation[] {
  const operations: DocumentOperation[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
    for (const method of OPERATION_METHODS) {
      const operation = item[method];
      if (operation) operations.push({ method: method.toUpperCase(), path, operation, example: operation.requestBody?.content?.["application/json"]?.example });
    }
  }
  return operations;
}

/** A certificate chain and its key, as PEM: a server's for a project's domain, or a client certificate and its CA. */
export interface ChainPems {
  /** The leaf, then any intermediates. */
  chainPem: string;
  keyPem: string;
  rootPem: string;
}

const KEY_FIELDS = ["privateKey", "key"];
const CERTIFICATE_FIELDS = ["certificate", "cert"];

/**
 * `example` with each elided key (and the certificate beside it, which must match it) replaced: by the client chain
 * where the example shows the example client certificate, else by the server chain.
 */
export function withTestKeys(example: unknown, server: ChainPems, client: ChainPems): unknown {
  if (Array.isArray(example)) return example.map((entry) => withTestKeys(entry, server, client));
  if (example === null || typeof example !== "object") return example;
  const fields = example as Record<string, unknown>;
  if (!KEY_FIELDS.some((field) => fields[field] === EXAMPLE_PRIVATE_KEY)) {
    return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, withTestKeys(value, server, client)]));
  }
  const chain = CERTIFICATE_FIELDS.some((field) => fields[field] === EXAMPLE_CLIENT_CERTIFICATE_PEM) ? client : server;
  const swapped = Object.entries(fields).map(([key, value]) => {
    if (KEY_FIELDS.includes(key)) return [key, chain.keyPem];
    if (CERTIFICATE_FIELDS.includes(key)) return [key, chain.chainPem];
    if (key === "ca") return [key, chain.rootPem];
    return [key, value];
  });
  return Object.fromEntries(swapped);
}

/** The id a path or body names where nothing was created: well-formed, unknown (a 404 once the request is valid). */
export const UNKNOWN_ID = "ex_unknown";
/** Where a parameter has a form of its own: a CA's id in the PKI paths, a domain name. */
const UNKNOWN_BY_COLLECTION: Record<string, string> = { "/pki": "ca_unknown", "/api/v1/admin/domains": "unknown.example.com" };

/** Body fields that name an object, by the collection that creates it. */
const ID_FIELDS: Record<string, string> = {
  caId: "/api/v1/cas",
  parentId: "/api/v1/cas",
  dnsConnectionId: "/api/v1/dns-connections",
  teamId: "/api/v1/teams",
  certificate_ids: "/v1/organization/certificates",
};

/** Collections the other surfaces share with the native one: a Vercel or OpenAI project is the native project. */
const SAME_COLLECTION: Record<string, string> = { "/v1/projects": "/api/v1/projects", "/v1/organization/projects": "/api/v1/projects", "/pki": "/api/v1/cas" };

/** Credentials a provider checks, as the tests' fake providers accept them (test/support/dns-fakes/unit-host.mjs). */
const TEST_CREDENTIALS: Record<string, string> = { apiToken: "cf-ok-openapi-example" };

/**
 * The objects calls created, by the collection path that created them (`/api/v1/cas` → the CA's id): a later path's
 * `{param}` is the id created at the path before it, and a body's id field the id of its collection.
 */
export class CreatedObjects {
  private readonly ids = new Map<string, string>();

  constructor(seed: Record<string, string> = {}) {
    for (const [collection, id] of Object.entries(seed)) this.ids.set(collection, id);
  }

  get(collection: string): string | undefined {
    return this.ids.get(SAME_COLLECTION[collection] ?? collection);
  }

  /** Records what a successful POST or PUT to a collection (a path not ending in a parameter) created. */
  record(method: string, path: string, status: number, body: any) {
    if ((method !== "POST" && method !== "PUT") || status >= 300 || path.endsWith("}")) return;
    const id = body?.id ?? body?.certId ?? body?.keyId;
    if (typeof id === "string") this.ids.set(path, id);
  }

  /** The path with each parameter the id created at the collection before it (or UNKNOWN_ID). */
  fillPath(path: string, unknown = false): string {
    return path.replace(/\{[^}]+\}/g, (_, offset: number) => {
      const collection = path.slice(0, offset - 1);
      return encodeURIComponent((!unknown && this.get(collection)) || (UNKNOWN_BY_COLLECTION[collection] ?? UNKNOWN_ID));
    });
  }

  /** The body with each id field naming what was created, and each checked credential one the fakes accept. */
  fillBody(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((entry) => this.fillBody(entry));
    if (value === null || typeof value !== "object") return value;
    const fill = ([key, field]: [string, unknown]) => {
      if (key in TEST_CREDENTIALS) return [key, TEST_CREDENTIALS[key]];
      const id = ID_FIELDS[key] && this.get(ID_FIELDS[key]);
      if (id) return [key, Array.isArray(field) ? [id] : id];
      return [key, this.fillBody(field)];
    };
    return Object.fromEntries(Object.entries(value).map(fill));
  }
}
