/** `GET /`: what this service is and where to go next, as a small self-contained HTML page or, on request, JSON. */
import { Hono } from "hono";
import { accepts } from "hono/accepts";
import type { AppBindings } from "../http/context";
import { contentSecurityPolicy } from "../http/csp";

const NAME = "Certdesk";

/** Inline styles only; no scripts, images, fonts or frames from anywhere, and in no frame itself. */
const HOME_POLICY = contentSecurityPolicy({ "style-src": "'unsafe-inline'" });
const LINKS = { docs: "/docs", openapi: "/openapi.json", health: "/health" } as const;

/** Everything inline and every link relative: the page loads nothing from another host. */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${NAME}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1f2328; }
  h1 { margin-bottom: 0.25rem; }
  li { margin: 0.25rem 0; }
</style>
</head>
<body>
<h1>${NAME}</h1>
<p>${NAME} is a certificate management API: it obtains TLS certificates over ACME, checks and stores the ones you upload, and renews and revokes them.</p>
<ul>
  <li><a href="${LINKS.docs}">Interactive API docs</a></li>
  <li><a href="${LINKS.openapi}">OpenAPI 3.1 document</a></li>
  <li><a href="${LINKS.health}">Health check</a></li>
</ul>
</body>
</html>
`;

export const homeRoutes = new Hono<AppBindings>().get("/", (c) => {
  c.header("Vary", "Accept");
  // Browsers and curl's default (any type) get the page; only a client that asks for JSON gets JSON.
  const type = accepts(c, { header: "Accept", supports: ["text/html", "application/json"], default: "text/html" });
  if (type === "application/json") return c.json({ name: NAME, ...LINKS });
  c.header("Content-Security-Policy", HOME_POLICY);
  return c.html(PAGE);
});
