/**
 * The dashboard's script, served as `/dashboard.js` (a module, so the page's CSP needs no inline script). Plain
 * browser JavaScript with no dependency. The token lives in this tab only (sessionStorage, else memory), travels
 * only in the Authorization header of requests to this origin, and is never written to the URL or the console.
 * Every value from the API reaches the page through textContent, never as markup, so the page can require Trusted
 * Types and allow none (https://w3c.github.io/trusted-types/dist/spec/).
 */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const DASHBOARD_SCRIPT = `const TOKEN_KEY = "certdesk.token";
const PAGE_LIMIT = 200;
const MAX_PAGES = 50;
const DAY_MS = 86400000;

const form = document.getElementById("token-form");
const tokenInput = document.getElementById("token");
const forgetButton = document.getElementById("forget");
const statusLine = document.getElementById("status");
const inventory = document.getElementById("inventory");
const rowsBody = document.getElementById("rows");
const sortButton = document.getElementById("sort-days");
const sortHeader = document.getElementById("days-header");
const nearestLine = document.getElementById("nearest");

let token = null;
let certificates = [];
let nearestFirst = true;
/** What the last Renew of each certificate answered, kept across reloads of the list. */
const outcomes = new Map();

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
      return;
    }
    for (const certificate of result.body.certificates) all.push(certificate);
    before = result.body.next;
    pages += 1;
  } while (before && pages < MAX_PAGES);
  certificates = all;
  render();
  const more = before ? " (the first " + all.length + "; narrow down with the API)" : "";
  say(all.length === 1 ? "1 certificate" + more : all.length + " certificates" + more);
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
  inventory.hidden = true;
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
