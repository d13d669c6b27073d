/** `GET /docs`: Swagger UI from the pinned swagger-ui-dist package, served by this Worker (no CDN; works offline). */
// Its start-up code is a file of its own, so the page's CSP allows scripts, styles and requests from this origin only.
import { Hono } from "hono";
import swaggerUiCss from "swagger-ui-dist/swagger-ui.css";
import swaggerUiBundle from "swagger-ui-dist/swagger-ui-bundle.js";
import swaggerUiPackage from "swagger-ui-dist/package.json";
import { contentSecurityPolicy } from "../http/csp";
import type { AppBindings } from "../http/context";

/** The assets' path names their version, so a year's caching never mixes the CSS of one release with the JS of another. */
const ASSETS = `/docs/assets/swagger-ui-${swaggerUiPackage.version}`;
const STYLESHEET = `${ASSETS}/swagger-ui.css`;
const BUNDLE = `${ASSETS}/swagger-ui-bundle.js`;
const INIT = "/docs/init.js";

/** What the page may load: its own scripts and styles, the CSS's data: images, and requests to this API. */
const DOCS_POLICY = contentSecurityPolicy({
  "script-src": "'self'",
  "style-src": "'self'",
  "img-src": "'self' data:",
  "connect-src": "'self'",
});

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Certdesk API docs</title>
<link rel="stylesheet" href="${STYLESHEET}">
</head>
<body>
<noscript>These docs need JavaScript. The OpenAPI document itself is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<div id="swagger-ui"></div>
<script src="${BUNDLE}"></script>
<script src="${INIT}"></script>
</body>
</html>
`;

/** Swagger UI's start-up, as a served file rather than an inline script, so the CSP needs no 'unsafe-inline'. */
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  // The default validator badge is an image from validator.swagger.io: this page loads nothing from another host.
  validatorUrl: null,
});
`;

// JavaScript is served as text/javascript (RFC 9239 §6); with nosniff a wrong type would not run.
const JS = "text/javascript; charset=utf-8";
const IMMUTABLE = "public, max-age=31536000, immutable";

export const docsUiRoutes = new Hono<AppBindings>()
  .get("/docs", (c) => {
    c.header("Content-Security-Policy", DOCS_POLICY);
    return c.html(PAGE);
  })
  .get(INIT, (c) => c.body(INIT_SCRIPT, 200, { "Content-Type": JS, "Cache-Control": "no-cache" }))
  .get(STYLESHEET, (c) => c.body(swaggerUiCss, 200, { "Content-Type": "text/css; charset=utf-8", "Cache-Control": IMMUTABLE }))
  .get(BUNDLE, (c) => c.body(swaggerUiBundle, 200, { "Content-Type": JS, "Cache-Control": IMMUTABLE }));
