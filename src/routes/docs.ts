/** The OpenAPI 3.1 document (generated from the route schemas) and the interactive docs that read it. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../http/context";
import { docsUiRoutes } from "./docs-ui";
import type { OpenApiDocument } from "./openapi-document";
import { ERROR_BODIES, withErrorResponses } from "./openapi-errors";
import { withOperationIds } from "./openapi-operation-ids";
import { withSurfaceTags } from "./openapi-tags";

const DOCUMENT_FIELDS: Parameters<OpenAPIHono["getOpenAPI31Document"]>[0] = {
  openapi: "3.1.0",
  info: {
    title: "Certdesk certificate API",
    version: "0.1.0",
    description:
      "Obtain certificates over ACME (HTTP-01, DNS-01), upload and validate custom certificates, renew, revoke, " +
      "and manage mTLS client certificates. Vercel- and OpenAI-compatible surfaces sit beside the native API.",
    // The license of package.json (SPDX Apache-2.0).
    license: { name: "Apache-2.0", url: "https://www.apache.org/licenses/LICENSE-2.0" },
  },
  // Relative: "the host location is relative to the location where the OpenAPI document is being served" (OpenAPI
  // 3.1 §4.8.5), so one document, the same bytes on every host name this Worker answers, names the right origin.
  servers: [{ url: "/", description: "The origin that serves this document" }],
};

export function mountDocs(app: OpenAPIHono<AppBindings>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", { type: "http", scheme: "bearer" });
  // Every surface's error body, which openapi-errors.ts refers to for each operation's error statuses.
  for (const { name, schema } of Object.values(ERROR_BODIES)) app.openAPIRegistry.register(name, schema);
  // Built on first request, once every route is registered, then kept: the routes do not change while the isolate lives.
  let served: string | undefined;
  app.get("/openapi.json", (c) => {
    served ??= JSON.stringify(openApiDocument(app));
    return c.body(served, 200, { "Content-Type": "application/json" });
  });
  app.route("/", docsUiRoutes);
}

/** The generated document, every operation with an operationId, a tag and its every error status, and the tags grouped by surface. */
export function openApiDocument(app: OpenAPIHono<AppBindings>): OpenApiDocument {
  // The generator's own types (openapi3-ts) are stricter than the fields read here; the JSON is the same.
  const generated = app.getOpenAPI31Document(DOCUMENT_FIELDS) as unknown as OpenApiDocument;
  return withErrorResponses(withSurfaceTags(withOperationIds(generated)));
}
