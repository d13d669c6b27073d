/**
 * The dashboard's script, served as `/dashboard.js` (a module, so the page's CSP needs no inline script). Plain
 * browser JavaScript with no dependency. The token lives in this tab only (sessionStorage, else memory), travels
 * only in the Authorization header of requests to this origin, and is never written to the URL or the console.
 * Every value from the API reaches the page through textContent, never as markup, so the page can require Trusted
 * Types and allow none (https://w3c.github.io/trusted-types/dist/spec/).
 */
import { DASHBOARD_ACME_SCRIPT } from "./dashboard-acme-script";

// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const DASHBOARD_SCRIPT = `const TOKEN_KEY = "certdesk.token";
const PAGE_LIMIT = 200;
const MAX_PAGES = 50;
const DAY_MS = 86400000;
// A page of each CA's certificates: one request per CA at load, so a team with many CAs stays quick; "Show more"
// asks for the next (older) page of one CA with the cursor of the page before it.
const CA_CERTIFICATE_LIMIT = 50;

const form = document.getElementById("token-form");
const tokenInput = document.getElementById("token");
const forgetButton = document.getElementById("forget");
const statusLine = document.getElementById("status");
const inventory = document.getElementById("inventory");
const rowsBody = document.getElementById("rows");
const sortButton = document.getElementById("sort-days");
const sortHeader = document.getElementById("days-header");
const nearestLine = document.getElementById("nearest");
const summaryLine = document.getElementById("expiry-summary");
const casSection = document.getElementById("cas");
const casSummary = document.getElementById("cas-summary");
const caList = document.getElementById("ca-list");
const dnsSection = document.getElementById("dns-connections");
const dnsSummary = document.getElementById("dns-connections-summary");
const dnsRows = document.getElementById("dns-connection-rows");
/** The sections besides the certificates: each has its element, its summary line and where its rows or blocks go. */
const casParts = { section: casSection, summary: casSummary, body: caList };
const dnsParts = { section: dnsSection, summary: dnsSummary, body: dnsRows };
const domainParts = {
  section: document.getElementById("domains"),
  summary: document.getElementById("domains-summary"),
  body: document.getElementById("domain-rows"),
};
${DASHBOARD_ACME_SCRIPT}
// One request per project for its domain's verification: the first DOMAIN_LIMIT projects with a domain are shown.
const DOMAIN_LIMIT = 100;

let token = null;
let certificates = [];
let nearestFirst = true;
/** What the last Renew of each certificate answered, kept across reloads of the list. */
const outcomes = new Map();
/** What the last Check now of each project's domain answered. */
const checks = new Map();

function readStoredToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function keepToken(value) {
  token = value;
  try {
    sessionStorage.setItem(TOKEN_KEY, value);
  } catch {
    // Storage refused (a privacy mode): the token stays in memory only.
  }
  forgetButton.hidden = false;
}

function forgetToken() {
  token = null;
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Nothing was stored.
  }
  forgetButton.hidden = true;
}

function say(message) {
  statusLine.textContent = message;
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function day(iso) {
  return iso ? iso.slice(0, 10) : "";
}

/** The newest D1 bookmark an answer carried; sent back so the page reads at least what it has seen (and its own renewals). */
let bookmark = null;

async function api(method, path) {
  const headers = { Authorization: "Bearer " + token, Accept: "application/json" };
  if (bookmark) headers["x-d1-bookmark"] = bookmark;
  const response = await fetch(path, {
    method: method,
    headers: headers,
    credentials: "omit",
    cache: "no-store",
    redirect: "error",
  });
  // Bookmarks sort oldest first (Cloudflare's D1 time-travel documentation): keep the later one.
  const answered = response.headers.get("x-d1-bookmark");
  if (answered && (!bookmark || answered > bookmark)) bookmark = answered;
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return { status: response.status, ok: response.ok, body: body };
}

function errorOf(result) {
  if (result.body && typeof result.body.error === "string") return result.body.error;
  return "The API answered HTTP " + result.status;
}

async function load() {
  say("Loading certificates…");
  const all = [];
  let before = null;
  let pages = 0;
  do {
    const query = "?limit=" + PAGE_LIMIT + (before ? "&before=" + encodeURIComponent(before) : "");
    let result;
    try {
      result = await api("GET", "/api/v1/certificates" + query);
    } catch {
      say("Could not reach the API; try again.");
      return;
    }
    if (!result.ok) {
      // A token the API refuses is not kept.
      if (result.status === 401) forgetToken();
      say(errorOf(result));
      inventory.hidden = true;
      // A token without certs:read may still read the team's CAs.
      if (result.status === 403) {
        await loadSections();
      } else {
        hideSection(casParts);
        hideSection(dnsParts);
        hideSection(domainParts);
        hideSection(acmeParts);
      }
      return;
    }
    for (const certificate of result.body.certificates) all.push(certificate);
    before = result.body.next;
    pages += 1;
  } while (before && pages < MAX_PAGES);
  certificates = all;
  render();
  await loadSummary();
  const more = before ? " (the first " + all.length + "; narrow down with the API)" : "";
  say(all.length === 1 ? "1 certificate" + more : all.length + " certificates" + more);
  // After the certificates, not beside them: each request carries the newest bookmark of the answers before it.
  await loadSections();
}

/**
 * Every certificate of the team by days left (GET /api/v1/certificates/summary: counted in the database, however many
 * there are), not only the pages loaded into the table.
 */
async function loadSummary() {
  let result = null;
  try {
    result = await api("GET", "/api/v1/certificates/summary");
  } catch {
    result = null;
  }
  if (!result || !result.ok) {
    summaryLine.textContent = result ? "Could not count the team's certificates: " + errorOf(result) : "";
    return;
  }
  const counts = result.body;
  const failing = counts.renewalFailing === 1 ? "1 failing to renew" : counts.renewalFailing + " failing to renew";
  summaryLine.textContent =
    "Every certificate of the team: " + counts.expired + " expired, " + counts.expiring["1d"] + " within 1 day, " +
    counts.expiring["7d"] + " within 7 days, " + counts.expiring["14d"] + " within 14 days, " + counts.expiring["30d"] +
    " within 30 days; " + failing + ".";
}

/** The sections the token's scopes allow, one after the other (each request carries the newest bookmark). */
async function loadSections() {
  // The CA section refills these; a token without cas:read names a private issuer by its id only.
  caNames.clear();
  await loadSection(casParts, "private CAs", function () { return allPages("/api/v1/cas", "cas"); }, showCas);
  await loadSection(dnsParts, "DNS connections", function () { return allPages("/api/v1/dns-connections", "connections"); }, renderDnsConnections);
  await loadSection(domainParts, "domains", projectDomains, renderDomains);
  await loadSection(acmeParts, "ACME directories", function () { return allPages("/api/v1/acme-directories", "directories"); }, renderAcmeDirectories);
}

/** An API refusal other than 403, in the API's words. */
class Refusal extends Error {}

/**
 * Every item of a paged list (each answer's list under field, following next for up to MAX_PAGES pages); null when the token
 * lacks the scope (403): the page is complete without that section, so no error either.
 */
async function allPages(path, field) {
  const items = [];
  let before = null;
  let pages = 0;
  do {
    const query = "?limit=" + PAGE_LIMIT + (before ? "&before=" + encodeURIComponent(before) : "");
    const result = await api("GET", path + query);
    if (result.status === 403) return null;
    if (!result.ok) throw new Refusal(errorOf(result));
    for (const item of result.body[field]) items.push(item);
    before = result.body.next;
    pages += 1;
  } while (before && pages < MAX_PAGES);
  return items;
}

/** Fills one section with what fetchAll answers, leaves it out when that is null, or says what went wrong in it. */
async function loadSection(parts, what, fetchAll, render) {
  try {
    const items = await fetchAll();
    if (items === null) {
      hideSection(parts);
      return;
    }
    await render(items);
  } catch (error) {
    showProblem(parts, error instanceof Refusal ? "Could not load the " + what + ": " + error.message : "Could not reach the API for the " + what + "; try again.");
  }
}

function hideSection(parts) {
  parts.section.hidden = true;
  parts.body.replaceChildren();
  parts.summary.textContent = "";
}

function showProblem(parts, message) {
  parts.body.replaceChildren();
  parts.summary.textContent = message;
  parts.summary.className = "error";
  parts.section.hidden = false;
}

function renderDnsConnections(connections) {
  dnsSummary.className = "";
  dnsSummary.textContent = connections.length === 1 ? "1 connection" : connections.length + " connections";
  dnsRows.replaceChildren(
    ...connections.map(function (connection) {
      const row = document.createElement("tr");
      const id = element("td", null);
      id.append(element("code", connection.id));
      row.append(
        element("td", connection.name),
        element("td", connection.provider),
        element("td", connection.zones.length > 0 ? connection.zones.join(", ") : "none listed"),
        element("td", day(connection.updatedAt)),
        id,
      );
      return row;
    }),
  );
  dnsSection.hidden = false;
}

/** The private CAs (cas:read) with the first page of each one's certificates. */
async function showCas(cas) {
  const issued = new Map();
  caNames.clear();
  for (const ca of cas) caNames.set(ca.id, ca.name);
  for (const ca of cas) {
    const result = await api("GET", "/api/v1/cas/" + encodeURIComponent(ca.id) + "/certificates?limit=" + CA_CERTIFICATE_LIMIT);
    issued.set(ca.id, result.ok ? result.body : { error: errorOf(result) });
  }
  renderCas(cas, issued);
}

/** The team's projects with a domain (projects:read), each with its domain's verification; null without the scope. */
async function projectDomains() {
  const result = await api("GET", "/api/v1/projects");
  if (result.status === 403) return null;
  if (!result.ok) throw new Refusal(errorOf(result));
  const named = result.body.projects.filter(function (project) {
    return project.domain !== null;
  });
  const entries = [];
  for (const project of named.slice(0, DOMAIN_LIMIT)) {
    const answer = await api("GET", "/api/v1/projects/" + encodeURIComponent(project.id) + "/domain");
    entries.push({ project: project, verification: answer.ok ? answer.body.verification : null, error: answer.ok ? null : errorOf(answer) });
  }
  return { entries: entries, total: named.length };
}

const VERIFICATION_TEXT = { pending: "Pending", verified: "Verified", conflict: "Conflict" };

function renderDomains(domains) {
  const parts = domainParts;
  parts.summary.className = "";
  const count = domains.total === 1 ? "1 domain" : domains.total + " domains";
  parts.summary.textContent = domains.total > domains.entries.length ? count + " (the first " + domains.entries.length + " shown)" : count;
  parts.body.replaceChildren(...domains.entries.map(domainRow));
  parts.section.hidden = false;
}

/** What the team must do for a domain: the TXT record to create while pending, the API's words otherwise. */
function todoCell(entry) {
  const cell = element("td");
  const verification = entry.verification;
  if (!verification) {
    cell.append(element("span", entry.error, "error"));
  } else if (verification.status === "pending" && verification.recordValue) {
    cell.append("Create a TXT record at ", element("code", verification.recordName), " with the value ", element("code", verification.recordValue));
  } else if (verification.status === "verified") {
    cell.append(element("span", "None", "muted"));
  } else {
    cell.append(element("span", verification.message || "", verification.status === "conflict" ? "error" : ""));
  }
  return cell;
}

function domainRow(entry) {
  const row = element("tr");
  const name = element("th", entry.project.domain);
  name.scope = "row";
  const status = entry.verification ? entry.verification.status : "unknown";
  row.append(name, element("td", entry.project.name), element("td", VERIFICATION_TEXT[status] || "Unknown", "verification status-" + status), todoCell(entry));
  const action = element("td");
  if (status === "pending") {
    const button = element("button", "Check now");
    button.type = "button";
    button.appendChild(element("span", " " + entry.project.domain, "visually-hidden"));
    const outcome = element("span", checks.get(entry.project.id), "outcome");
    outcome.setAttribute("role", "status");
    button.addEventListener("click", function () {
      checkNow(entry, row, button, outcome);
    });
    action.append(button, outcome);
  } else {
    action.append(element("span", checks.get(entry.project.id) || "", "outcome"));
  }
  row.append(action);
  return row;
}

/** Looks the record up now (POST /api/v1/projects/:id/domain/verify, projects:write) and shows the row as it stands. */
async function checkNow(entry, row, button, outcome) {
  button.disabled = true;
  outcome.textContent = "Checking…";
  let result;
  try {
    result = await api("POST", "/api/v1/projects/" + encodeURIComponent(entry.project.id) + "/domain/verify");
  } catch {
    result = { status: 0, ok: false, body: { error: "Could not reach the API; try again." } };
  }
  if (!result.ok) {
    checks.set(entry.project.id, "Not checked: " + errorOf(result));
    outcome.textContent = checks.get(entry.project.id);
    button.disabled = false;
    return;
  }
  const verification = result.body.verification;
  const said = verification.status === "verified" ? "Verified" : verification.message || VERIFICATION_TEXT[verification.status];
  checks.set(entry.project.id, said);
  const updated = domainRow({ project: entry.project, verification: verification, error: null });
  row.replaceWith(updated);
  const again = updated.querySelector("button");
  if (again) again.focus();
}

/** The first hex digits of a fingerprint or serial, in pairs; the whole value is the element's title. */
function shortHex(hex, digits) {
  const head = hex.slice(0, digits).match(/../g) || [];
  return head.join(":") + (hex.length > digits ? "…" : "");
}

function daysUntil(iso) {
  return Math.floor((Date.parse(iso) - Date.now()) / DAY_MS);
}

function untilText(iso) {
  const days = daysUntil(iso);
  const left = days < 0 ? "expired" : days === 1 ? "1 day left" : days + " days left";
  return "Valid until " + day(iso) + " (" + left + ")";
}

const KIND_TEXT = { root: "Root", intermediate: "Intermediate", imported: "Imported" };
const CA_STATUS_TEXT = { active: "Active", disabled: "Disabled" };
const CERTIFICATE_STATUS_TEXT = { active: "Active", revoked: "Revoked" };

const LINK_SCHEMES = ["http", "https"];

/** Only an absolute http(s) URL becomes a link: the page never navigates to a script URL from an answer. */
function safeLink(url, text) {
  let parsed = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (!parsed || !LINK_SCHEMES.includes(parsed.protocol.slice(0, -1))) return element("span", text + " (no link)", "muted");
  const link = element("a", text);
  link.href = parsed.href;
  return link;
}

function renderCas(cas, issued) {
  const names = new Map(cas.map(function (ca) { return [ca.id, ca.name]; }));
  caList.replaceChildren();
  casSummary.className = "";
  casSummary.textContent = cas.length === 0 ? "This team has no private CA yet." : cas.length === 1 ? "1 private CA" : cas.length + " private CAs";
  for (const ca of cas) caList.appendChild(caBlock(ca, names, issued.get(ca.id)));
  casSection.hidden = false;
}

function caBlock(ca, names, page) {
  const block = element("section", null, "ca status-" + ca.status);
  const heading = element("h3", ca.name, "ca-name");
  block.setAttribute("aria-label", ca.name);
  block.appendChild(heading);
  const facts = element("ul", null, "facts ca-facts");
  const kind = KIND_TEXT[ca.kind] || ca.kind;
  facts.appendChild(element("li", ca.parentId && names.has(ca.parentId) ? kind + " under " + names.get(ca.parentId) : kind, "ca-kind"));
  facts.appendChild(element("li", CA_STATUS_TEXT[ca.status] || ca.status, "ca-status state status-" + ca.status));
  const until = element("li", untilText(ca.notAfter), "ca-until");
  if (daysUntil(ca.notAfter) < 0) until.className = "ca-until error";
  facts.appendChild(until);
  const fingerprint = element("li", "SHA-256 " + shortHex(ca.fingerprintSha256, 16), "ca-fingerprint");
  fingerprint.title = ca.fingerprintSha256;
  facts.appendChild(fingerprint);
  const certificate = element("li", null, "ca-certificate");
  certificate.appendChild(safeLink(ca.caCertificateUrl, "CA certificate"));
  facts.appendChild(certificate);
  const crl = element("li", null, "ca-crl");
  crl.appendChild(safeLink(ca.crlUrl, "CRL"));
  facts.appendChild(crl);
  block.appendChild(facts);
  const constraints = constraintsList(ca.nameConstraints);
  if (constraints) block.appendChild(constraints);
  block.appendChild(issuedTable(ca, page));
  return block;
}

const CONSTRAINT_TEXT = [
  ["permittedDnsDomains", "Permitted DNS domains"],
  ["excludedDnsDomains", "Excluded DNS domains"],
  ["permittedIpRanges", "Permitted IP ranges"],
  ["excludedIpRanges", "Excluded IP ranges"],
  // An imported CA may constrain name types this service does not evaluate; its leaves may not carry them.
  ["unsupportedNameTypes", "Other constrained name types"],
];

/** The CA's own name constraints, one line per non-empty list; null when it has none. */
function constraintsList(constraints) {
  if (!constraints) return null;
  const list = element("ul", null, "facts ca-constraints");
  list.setAttribute("aria-label", "Name constraints");
  for (const [field, label] of CONSTRAINT_TEXT) {
    const values = Array.isArray(constraints[field]) ? constraints[field] : [];
    if (values.length === 0) continue;
    const line = element("li", null, "constraint-" + field);
    line.appendChild(element("span", label + ": ", "constraint-label"));
    line.appendChild(element("span", values.join(", "), "constraint-values"));
    list.appendChild(line);
  }
  return list.children.length > 0 ? list : null;
}

function issuedTable(ca, page) {
  if (page.error) return element("p", "Could not load its certificates: " + page.error, "error");
  const list = page.certificates;
  if (list.length === 0) return element("p", "No certificates issued yet.", "muted");
  const wrap = element("div", null, "table-wrap");
  const table = element("table", null, "issued");
  const caption = element("caption");
  table.appendChild(caption);
  const head = element("thead");
  const headRow = element("tr");
  for (const title of ["Serial", "Profile", "Names", "Valid until", "Status"]) {
    const cell = element("th", title);
    cell.scope = "col";
    headRow.appendChild(cell);
  }
  head.appendChild(headRow);
  table.appendChild(head);
  const body = element("tbody");
  for (const certificate of list) body.appendChild(issuedRow(certificate));
  table.appendChild(body);
  wrap.appendChild(table);
  let shown = list.length;
  let next = page.next;
  function showCount() {
    const count = shown === 1 ? "1 certificate" : shown + " certificates";
    caption.textContent = (next ? "The newest " + count : count) + " issued by " + ca.name;
  }
  showCount();
  const more = element("p", null, "more");
  const button = element("button", "Show more");
  button.type = "button";
  button.className = "show-more";
  button.appendChild(element("span", " certificates of " + ca.name, "visually-hidden"));
  const outcome = element("span", null, "outcome");
  outcome.setAttribute("role", "status");
  more.appendChild(button);
  more.appendChild(outcome);
  more.hidden = !next;
  button.addEventListener("click", async function () {
    button.disabled = true;
    outcome.textContent = "Loading…";
    let result;
    try {
      const query = "?limit=" + CA_CERTIFICATE_LIMIT + "&before=" + encodeURIComponent(next);
      result = await api("GET", "/api/v1/cas/" + encodeURIComponent(ca.id) + "/certificates" + query);
    } catch {
      result = { status: 0, ok: false, body: { error: "Could not reach the API; try again." } };
    }
    button.disabled = false;
    if (!result.ok) {
      // The rows shown stay, and so does the button: the same page can be asked for again.
      outcome.textContent = "Could not load more: " + errorOf(result);
      return;
    }
    outcome.textContent = "";
    for (const certificate of result.body.certificates) body.appendChild(issuedRow(certificate));
    shown += result.body.certificates.length;
    next = result.body.next;
    showCount();
    more.hidden = !next;
  });
  wrap.appendChild(more);
  return wrap;
}

function issuedRow(certificate) {
  const row = element("tr", null, "status-" + certificate.status);
  const serial = element("th", shortHex(certificate.serialNumber, 16), "serial");
  serial.scope = "row";
  serial.title = certificate.serialNumber;
  row.appendChild(serial);
  row.appendChild(element("td", certificate.profile, "profile"));
  const all = [certificate.commonName].concat(certificate.dnsNames, certificate.ipAddresses, certificate.uris, certificate.emails);
  const unique = all.filter(function (name, index) {
    return name && all.indexOf(name) === index;
  });
  row.appendChild(element("td", unique.length > 0 ? unique.join(", ") : "None", unique.length > 0 ? "names-cell" : "muted"));
  const until = element("td", null, "until-cell");
  const time = element("time", day(certificate.notAfter));
  time.dateTime = certificate.notAfter;
  until.appendChild(time);
  row.appendChild(until);
  row.appendChild(element("td", CERTIFICATE_STATUS_TEXT[certificate.status] || certificate.status, "cert-status state status-" + certificate.status));
  return row;
}

function expiresAt(certificate) {
  return Date.parse(certificate.expiresAt);
}

function sorted() {
  const direction = nearestFirst ? 1 : -1;
  return certificates.slice().sort(function (a, b) {
    return direction * (expiresAt(a) - expiresAt(b)) || a.domain.localeCompare(b.domain);
  });
}

const STATUS_TEXT = { valid: "Valid", expiring_soon: "Expiring soon", expired: "Expired", revoked: "Revoked" };

function daysText(certificate) {
  if (certificate.status === "expired") return "expired";
  return certificate.daysLeft === 1 ? "1 day" : certificate.daysLeft + " days";
}

function domainCell(certificate) {
  const cell = element("th");
  cell.scope = "row";
  cell.appendChild(element("span", certificate.domain, "domain"));
  const others = certificate.names.filter(function (name) {
    return name !== certificate.domain;
  });
  if (others.length > 0) cell.appendChild(element("span", "also " + others.join(", "), "names"));
  return cell;
}

function typeCell(certificate) {
  const owner = certificate.projectId ? "Project" : "Team-level";
  const how = certificate.type === "custom" ? "uploaded" : "ACME";
  return element("td", owner + ", " + how);
}

function daysCell(certificate) {
  const cell = element("td", null, "days");
  cell.appendChild(element("span", daysText(certificate), "days-left"));
  // The bar shows the share of the lifetime left; it repeats the number beside it, so screen readers skip it.
  const bar = element("span", null, "bar status-" + certificate.status);
  bar.setAttribute("aria-hidden", "true");
  const fill = element("span", null, "fill");
  const lifetime = expiresAt(certificate) - Date.parse(certificate.issuedAt);
  const left = Math.max(0, expiresAt(certificate) - Date.now());
  fill.style.width = (lifetime > 0 ? Math.min(100, (100 * left) / lifetime) : 0).toFixed(1) + "%";
  bar.appendChild(fill);
  cell.appendChild(bar);
  const until = element("span", "until ", "until");
  const time = element("time", day(certificate.expiresAt));
  time.dateTime = certificate.expiresAt;
  until.appendChild(time);
  cell.appendChild(until);
  return cell;
}

function renewalCell(certificate) {
  const cell = element("td");
  const list = element("ul", null, "facts");
  list.appendChild(element("li", certificate.autoRenew ? "Auto-renew on" : "Auto-renew off"));
  list.appendChild(element("li", certificate.nextRenewalAt ? "Next " + day(certificate.nextRenewalAt) : "No renewal scheduled"));
  if (certificate.queuedForRenewal) list.appendChild(element("li", "On the renewal queue", "queued"));
  if (certificate.renewalFailures > 0) {
    const failures = certificate.renewalFailures === 1 ? "1 failure" : certificate.renewalFailures + " failures";
    list.appendChild(element("li", failures + " in a row", "failures"));
  }
  if (certificate.lastRenewAttempt) list.appendChild(element("li", "Last tried " + day(certificate.lastRenewAttempt)));
  cell.appendChild(list);
  return cell;
}

function actionCell(certificate) {
  const cell = element("td");
  if (!certificate.projectId) {
    // Team-level certificates have no renew route (Vercel's /v8/certs has none): the schedule renews them (the note under the table).
    cell.appendChild(element("span", "No manual renew", "muted"));
    return cell;
  }
  const button = element("button", "Renew");
  button.type = "button";
  button.appendChild(element("span", " " + certificate.domain, "visually-hidden"));
  const outcome = element("span", outcomes.get(certificate.id), "outcome");
  outcome.setAttribute("role", "status");
  button.addEventListener("click", function () {
    renew(certificate, button, outcome);
  });
  cell.appendChild(button);
  cell.appendChild(outcome);
  return cell;
}

async function renew(certificate, button, outcome) {
  button.disabled = true;
  outcome.textContent = "Renewing…";
  let result;
  try {
    result = await api("POST", "/api/v1/projects/" + encodeURIComponent(certificate.projectId) + "/certificate/renew");
  } catch {
    result = { status: 0, ok: false, body: { error: "Could not reach the API; try again." } };
  }
  let message;
  if (result.status === 200) message = "Renewed: now valid until " + day(result.body.certificate.expiresAt);
  else if (result.status === 202) message = result.body.message;
  else message = "Not renewed: " + errorOf(result);
  outcomes.set(certificate.id, message);
  outcome.textContent = message;
  button.disabled = false;
  if (result.status === 200) await load();
}

function render() {
  const list = sorted();
  rowsBody.replaceChildren();
  for (const certificate of list) {
    const row = element("tr", null, "status-" + certificate.status);
    row.appendChild(domainCell(certificate));
    row.appendChild(typeCell(certificate));
    row.appendChild(element("td", STATUS_TEXT[certificate.status] || certificate.status, "state status-" + certificate.status));
    row.appendChild(element("td", certificate.issuer, "issuer"));
    row.appendChild(daysCell(certificate));
    row.appendChild(renewalCell(certificate));
    row.appendChild(element("td", certificate.lastRenewError || "None", certificate.lastRenewError ? "error" : "muted"));
    row.appendChild(actionCell(certificate));
    rowsBody.appendChild(row);
  }
  sortHeader.setAttribute("aria-sort", nearestFirst ? "ascending" : "descending");
  sortButton.querySelector(".direction").textContent = nearestFirst ? "(nearest first)" : "(furthest first)";
  showNearest();
  inventory.hidden = false;
}

/** The certificate that expires next (revoked ones aside), named above the table. */
function showNearest() {
  const live = certificates.filter(function (certificate) {
    return certificate.status !== "revoked";
  });
  if (live.length === 0) {
    nearestLine.textContent = certificates.length === 0 ? "This team has no certificates yet." : "";
    return;
  }
  const next = live.reduce(function (a, b) {
    return expiresAt(b) < expiresAt(a) ? b : a;
  });
  const when = next.status === "expired" ? "expired on " + day(next.expiresAt) : "expires in " + daysText(next) + ", on " + day(next.expiresAt);
  nearestLine.textContent = "Nearest expiry: " + next.domain + " " + when + ".";
  nearestLine.className = "nearest status-" + next.status;
}

form.addEventListener("submit", function (event) {
  event.preventDefault();
  const value = tokenInput.value.trim();
  // The field is cleared at once: the token is kept only where keepToken puts it.
  tokenInput.value = "";
  if (!value) {
    say("Paste a team API token first.");
    return;
  }
  outcomes.clear();
  keepToken(value);
  load();
});

forgetButton.addEventListener("click", function () {
  forgetToken();
  certificates = [];
  outcomes.clear();
  rowsBody.replaceChildren();
  summaryLine.textContent = "";
  inventory.hidden = true;
  checks.clear();
  hideSection(casParts);
  hideSection(dnsParts);
  hideSection(domainParts);
  hideSection(acmeParts);
  caNames.clear();
  say("Token forgotten.");
});

sortButton.addEventListener("click", function () {
  nearestFirst = !nearestFirst;
  render();
});

const stored = readStoredToken();
if (stored) {
  keepToken(stored);
  load();
}
`;
