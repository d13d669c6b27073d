/** The console page served at `/` (routes/home.ts), its policy, and its same-origin assets under `/console/`. */
import { Hono } from "hono";
import type { AppBindings } from "../../http/context";
import { contentSecurityPolicy } from "../../http/csp";
import { CONSOLE_MODULES } from "./modules";
import { CONSOLE_STYLE } from "./style";
import { CONSOLE_VIEWS } from "./views";

const ASSETS = "/console";
const STYLE_PATH = `${ASSETS}/console.css`;

/**
 * Its own scripts and stylesheet, and requests to this API, all from this origin; no inline script or style. The
 * scripts write API values only as text, so Trusted Types can be required with no policy allowed: a string can
 * never become markup or script (https://w3c.github.io/trusted-types/dist/spec/#require-trusted-types-for-csp-directive).
 * The token form has no action to post to (form-action 'none'): without the script, nothing is sent anywhere.
 */
export const CONSOLE_POLICY = contentSecurityPolicy({
  "script-src": "'self'",
  "style-src": "'self'",
  "connect-src": "'self'",
  "require-trusted-types-for": "'script'",
  "trusted-types": "'none'",
});

/** What the page says and links, above the console (the JSON answer of `/` carries the same links). */
export interface ConsolePageContent {
  name: string;
  links: { docs: string; openapi: string; health: string };
}

/** Every URL relative to this origin; the token field has no name, so even a submitted form would carry no token. */
export function consolePage({ name, links }: ConsolePageContent): string {
  const navigation = CONSOLE_VIEWS.map((view) => `  <li hidden><a href="#/${view.id}" data-view="${view.id}">${view.label}</a></li>`).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name}</title>
<link rel="stylesheet" href="${STYLE_PATH}">
<script type="module" src="${ASSETS}/app.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to the console</a>
<header>
<h1>${name}</h1>
<p>${name} is a certificate management API: it obtains TLS certificates over ACME, checks and stores the ones you upload, issues from your own CAs, delivers certificates where they are served, and renews them before they lapse.</p>
<nav aria-label="API">
<ul>
  <li><a href="${links.docs}">Interactive API docs</a></li>
  <li><a href="${links.openapi}">OpenAPI 3.1 document</a></li>
  <li><a href="${links.health}">Health check</a></li>
</ul>
</nav>
</header>
<main id="main">
<form id="token-form" autocomplete="off">
  <label for="token">API token</label>
  <input id="token" type="password" autocomplete="off" spellcheck="false" aria-describedby="token-help">
  <button type="submit">Open console</button>
  <button type="button" id="forget" hidden>Forget token</button>
  <p id="token-help">A team API token (<code>cdk_…</code>). The console shows what its scopes let it read, and offers only the actions they allow. The token stays in this tab (session storage) and is sent only to this service, in the Authorization header.</p>
</form>
<noscript><p>The console needs JavaScript. The same data is in the API (see the <a href="${links.docs}">API docs</a>).</p></noscript>
<p id="identity" class="muted"></p>
<nav id="console-nav" aria-label="Console" hidden>
<ul>
${navigation}
</ul>
</nav>
<p id="status" role="status" aria-live="polite"></p>
<div id="view"></div>
</main>
</body>
</html>
`;
}

// JavaScript is served as text/javascript (RFC 9239 §6); with nosniff a wrong type would not run.
const JS = "text/javascript; charset=utf-8";
// Not versioned by path, so each load asks again (an unchanged asset costs a revalidation, not a stale page).
const REVALIDATE = "no-cache";

export const consoleAssetRoutes = new Hono<AppBindings>()
  .get(STYLE_PATH, (c) => c.body(CONSOLE_STYLE, 200, { "Content-Type": "text/css; charset=utf-8", "Cache-Control": REVALIDATE }))
  .get(`${ASSETS}/:file{[a-z-]+\\.js}`, (c) => {
    const script = CONSOLE_MODULES.get(c.req.param("file"));
    if (script === undefined) return c.notFound();
    return c.body(script, 200, { "Content-Type": JS, "Cache-Control": REVALIDATE });
  });
