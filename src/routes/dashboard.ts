/** The dashboard page served at `/` (routes/home.ts), its policy, and its two same-origin assets. */
import { Hono } from "hono";
import type { AppBindings } from "../http/context";
import { contentSecurityPolicy } from "../http/csp";
import { DASHBOARD_SCRIPT } from "./dashboard-script";
import { DASHBOARD_STYLE } from "./dashboard-style";

export const DASHBOARD_SCRIPT_PATH = "/dashboard.js";
export const DASHBOARD_STYLE_PATH = "/dashboard.css";

/**
 * Its own script and stylesheet, and requests to this API, all from this origin; no inline script or style. The
 * script writes API values only as text, so Trusted Types can be required with no policy allowed: a string can
 * never become markup or script (https://w3c.github.io/trusted-types/dist/spec/#require-trusted-types-for-csp-directive).
 * The token form has no action to post to (form-action 'none'): without the script, nothing is sent anywhere.
 */
export const DASHBOARD_POLICY = contentSecurityPolicy({
  "script-src": "'self'",
  "style-src": "'self'",
  "connect-src": "'self'",
  "require-trusted-types-for": "'script'",
  "trusted-types": "'none'",
});

/** What the page says and links, above the dashboard (the JSON answer of `/` carries the same links). */
export interface DashboardPageContent {
  name: string;
  links: { docs: string; openapi: string; health: string };
}

/** Every URL relative to this origin; the token field has no name, so even a submitted form would carry no token. */
export function dashboardPage({ name, links }: DashboardPageContent): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name}</title>
<link rel="stylesheet" href="${DASHBOARD_STYLE_PATH}">
<script type="module" src="${DASHBOARD_SCRIPT_PATH}"></script>
</head>
<body>
<header>
<h1>${name}</h1>
<p>${name} is a certificate management API: it obtains TLS certificates over ACME, checks and stores the ones you upload, and renews and revokes them.</p>
<nav aria-label="API">
<ul>
  <li><a href="${links.docs}">Interactive API docs</a></li>
  <li><a href="${links.openapi}">OpenAPI 3.1 document</a></li>
  <li><a href="${links.health}">Health check</a></li>
</ul>
</nav>
</header>
<main>
<h2 id="dashboard-heading">Certificates of your team</h2>
<form id="token-form" autocomplete="off">
  <label for="token">Team API token</label>
  <input id="token" type="password" autocomplete="off" spellcheck="false" aria-describedby="token-help">
  <button type="submit">Show certificates</button>
  <button type="button" id="forget" hidden>Forget token</button>
  <p id="token-help">Needs <code>certs:read</code>; Renew needs <code>projects:write</code>; the private CAs show with <code>cas:read</code>, the DNS connections with <code>dns:read</code>, the domains with <code>projects:read</code>, the ACME directories with <code>acme-server:read</code>. The token stays in this tab (session storage) and is sent only to this service, in the Authorization header.</p>
</form>
<noscript><p>The dashboard needs JavaScript. The same data is at <code>GET /api/v1/certificates</code> (see the <a href="${links.docs}">API docs</a>).</p></noscript>
<p id="status" role="status" aria-live="polite"></p>
<section id="inventory" aria-labelledby="dashboard-heading" hidden>
<p id="nearest" class="nearest"></p>
<p id="expiry-summary"></p>
<div class="table-wrap">
<table>
<caption>Every certificate of the team, project and team-level. Sort by days left with the column's button.</caption>
<thead>
<tr>
  <th scope="col">Domain</th>
  <th scope="col">Type</th>
  <th scope="col">Status</th>
  <th scope="col">Issuer</th>
  <th scope="col" id="days-header" aria-sort="ascending"><button type="button" id="sort-days">Days left <span class="direction">(nearest first)</span></button></th>
  <th scope="col">Renewal</th>
  <th scope="col">Last error</th>
  <th scope="col">Action</th>
</tr>
</thead>
<tbody id="rows"></tbody>
</table>
</div>
<p class="note">Renew asks the CA now for a project certificate. Team-level certificates (Vercel <code>/v8/certs</code>) have no manual renew: the renewal schedule renews them when auto-renew is on.</p>
</section>
<section id="cas" aria-labelledby="cas-heading" hidden>
<h2 id="cas-heading">Private CAs</h2>
<p id="cas-summary"></p>
<div id="ca-list"></div>
<p class="note">Shown when the token holds <code>cas:read</code>. Each CA lists its certificates newest first, a page at a time: Show more loads the older ones (<code>GET /api/v1/cas/:id/certificates</code>). Its CA certificate and CRL are public, for relying parties.</p>
</section>
<section id="dns-connections" aria-labelledby="dns-connections-heading" hidden>
<h2 id="dns-connections-heading">DNS connections</h2>
<p id="dns-connections-summary"></p>
<div class="table-wrap">
<table>
<thead>
<tr><th scope="col">Name</th><th scope="col">Provider</th><th scope="col">Zones</th><th scope="col">Credentials last set</th><th scope="col">Id</th></tr>
</thead>
<tbody id="dns-connection-rows"></tbody>
</table>
</div>
<p class="note">Shown when the token holds <code>dns:read</code>. Credentials are sealed and never shown; give the id as <code>dnsConnectionId</code> to obtain a certificate over DNS-01.</p>
</section>
<section id="domains" aria-labelledby="domains-heading" hidden>
<h2 id="domains-heading">Domains</h2>
<p id="domains-summary"></p>
<div class="table-wrap">
<table>
<thead>
<tr><th scope="col">Domain</th><th scope="col">Project</th><th scope="col">Verification</th><th scope="col">To do</th><th scope="col">Action</th></tr>
</thead>
<tbody id="domain-rows"></tbody>
</table>
</div>
<p class="note">Shown when the token holds <code>projects:read</code>. Nothing is obtained or uploaded for a domain until it is verified; Check now (<code>projects:write</code>) looks the TXT record up at once, and the schedule looks again on its own. Conflict: another team verified the name first.</p>
</section>
<section id="acme-directories" aria-labelledby="acme-directories-heading" hidden>
<h2 id="acme-directories-heading">ACME directories</h2>
<p id="acme-directories-summary"></p>
<div class="table-wrap">
<table>
<thead>
<tr><th scope="col">Name</th><th scope="col">Issuer</th><th scope="col">Authorization</th><th scope="col">Allowed names</th><th scope="col">Directory URL</th><th scope="col">Created</th></tr>
</thead>
<tbody id="acme-directory-rows"></tbody>
</table>
</div>
<p class="note">Shown when the token holds <code>acme-server:read</code>. Give the directory URL to an ACME client (certbot <code>--server</code>, lego <code>--server</code>, Caddy <code>acme_ca</code>) with an EAB key of the directory (<code>POST /api/v1/acme-directories/:id/eab-keys</code>); its HMAC key is shown only in that answer, never here.</p>
</section>
</main>
</body>
</html>
`;
}

// JavaScript is served as text/javascript (RFC 9239 §6); with nosniff a wrong type would not run.
const JS = "text/javascript; charset=utf-8";
// Not versioned by path, so each load asks again (an unchanged asset costs a revalidation, not a stale page).
const REVALIDATE = "no-cache";

export const dashboardAssetRoutes = new Hono<AppBindings>()
  .get(DASHBOARD_SCRIPT_PATH, (c) => c.body(DASHBOARD_SCRIPT, 200, { "Content-Type": JS, "Cache-Control": REVALIDATE }))
  .get(DASHBOARD_STYLE_PATH, (c) => c.body(DASHBOARD_STYLE, 200, { "Content-Type": "text/css; charset=utf-8", "Cache-Control": REVALIDATE }));
