/** The OpenAPI 3.1 document (generated from the route schemas) and the interactive docs that read it. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../http/context";
import { docsUiRoutes } from "./docs-ui";

export function mountDocs(app: OpenAPIHono<AppBindings>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", { type: "http", scheme: "bearer" });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Certdesk certificate API",
      version: "0.1.0",
      description:
        "Obtain certificates over ACME (HTTP-01, DNS-01), upload and validate custom certificates, renew, revoke, " +
        "and manage mTLS client certificates. Vercel- and OpenAI-compatible surfaces sit beside the native API.",
    },
  });
  app.route("/", docsUiRoutes);
}
