/**
 * `/console/core.js`: what every view of the console shares. The token lives in this tab only (sessionStorage, else
 * memory) and travels only in the Authorization header of requests to this origin. Every value from the API reaches
 * the page through textContent, never as markup, so the page can require Trusted Types and allow none
 * (https://w3c.github.io/trusted-types/dist/spec/).
 */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const CORE_SCRIPT = `const TOKEN_KEY = "certdesk.token";
export const PAGE_LIMIT = 200;
export const MAX_PAGES = 50;
export const DAY_MS = 86400000;

/** The signed-in token, what it may do (null: not known, so every control shows and the API decides), and its team. */
export const session = { token: null, scopes: null, team: null, tokenName: null };

export function readStoredToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function keepToken(value) {
  session.token = value;
  try {
    sessionStorage.setItem(TOKEN_KEY, value);
  } catch {
    // Storage refused (a privacy mode): the token stays in memory only.
  }
}

export function forgetToken() {
  session.token = null;
  session.scopes = null;
  session.team = null;
  session.tokenName = null;
  bookmark = null;
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Nothing was stored.
  }
}

/** Whether the token holds a scope: as such, or a ":read" through its ":write" (the API's own rule). */
export function can(scope) {
  if (session.scopes === null) return true;
  if (session.scopes.includes(scope)) return true;
  return scope.endsWith(":read") && session.scopes.includes(scope.slice(0, -5) + ":write");
}

export function say(message, isError) {
  const line = document.getElementById("status");
  line.textContent = message;
  line.className = isError ? "error" : "";
}

export function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

/** A button whose accessible name is its label, then what it acts on (read by screen readers, not shown). */
export function actionButton(label, about) {
  const button = element("button", label);
  button.type = "button";
  if (about) button.appendChild(element("span", " " + about, "visually-hidden"));
  return button;
}

/** Where an action says how it went; a live region, so a screen reader hears it. */
export function outcomeLine() {
  const line = element("span", null, "outcome");
  line.setAttribute("role", "status");
  return line;
}

/** A labelled form control: the label names the field, as a screen reader and a test find it. */
export function field(label, control, help) {
  const wrap = element("div", null, "field");
  const id = "f-" + Math.random().toString(36).slice(2, 10);
  control.id = id;
  const text = element("label", label);
  text.htmlFor = id;
  wrap.append(text, control);
  if (help) {
    const note = element("p", help, "help");
    note.id = id + "-help";
    control.setAttribute("aria-describedby", note.id);
    wrap.append(note);
  }
  return wrap;
}

export function input(type, name) {
  const control = element("input");
  control.type = type;
  if (name) control.name = name;
  control.autocomplete = "off";
  control.spellcheck = false;
  return control;
}

export function select(options) {
  const control = element("select");
  for (const [value, label] of options) {
    const option = element("option", label);
    option.value = value;
    control.append(option);
  }
  return control;
}

export function day(iso) {
  return iso ? iso.slice(0, 10) : "";
}

export function when(iso) {
  return iso ? iso.slice(0, 16).replace("T", " ") + " UTC" : "";
}

export function daysUntil(iso) {
  return Math.floor((Date.parse(iso) - Date.now()) / DAY_MS);
}

export function untilText(iso) {
  const days = daysUntil(iso);
  const left = days < 0 ? "expired" : days === 1 ? "1 day left" : days + " days left";
  return "Valid until " + day(iso) + " (" + left + ")";
}

export function count(number, one, many) {
  return number === 1 ? "1 " + one : number + " " + many;
}

/** The first hex digits of a fingerprint or serial, in pairs (whether or not the API's value has colons); the whole value is the element's title. */
export function shortHex(value, digits) {
  const hex = value.replace(/[^0-9a-fA-F]/g, "");
  const head = hex.slice(0, digits).match(/../g) || [];
  return head.join(":") + (hex.length > digits ? "…" : "");
}

const LINK_SCHEMES = ["http", "https"];

/** Only an absolute http(s) URL becomes a link: the page never navigates to a script URL from an answer. */
export function safeLink(url, text) {
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

/** A link to another view of the console (a "#/" route). */
export function viewLink(route, text) {
  const link = element("a", text);
  link.href = "#/" + route.map(encodeURIComponent).join("/");
  return link;
}

/** A table with a caption and column headers; rows are appended to the returned body. */
export function table(caption, headers) {
  const wrap = element("div", null, "table-wrap");
  const grid = element("table");
  if (caption) grid.append(element("caption", caption));
  const head = element("thead");
  const row = element("tr");
  for (const title of headers) {
    const cell = element("th", title);
    cell.scope = "col";
    row.append(cell);
  }
  head.append(row);
  const body = element("tbody");
  grid.append(head, body);
  wrap.append(grid);
  return { wrap: wrap, table: grid, body: body };
}

/** A row: the first value as its header cell, then cells; a value may be a node or text. */
export function tableRow(values, className) {
  const row = element("tr", null, className);
  values.forEach(function (value, index) {
    const cell = element(index === 0 ? "th" : "td");
    if (index === 0) cell.scope = "row";
    if (value instanceof Node) cell.append(value);
    else cell.textContent = value === null || value === undefined ? "" : String(value);
    row.append(cell);
  });
  return row;
}

/** The newest D1 bookmark an answer carried; sent back so the page reads at least what it has seen (and its own writes). */
let bookmark = null;

/** One request to this origin's API: the answer's status and JSON body (null when it had none). */
export async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + session.token, Accept: "application/json" };
  if (bookmark) headers["x-d1-bookmark"] = bookmark;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method: method,
    headers: headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
    redirect: "error",
  });
  // Bookmarks sort oldest first (Cloudflare's D1 time-travel documentation): keep the later one.
  const answered = response.headers.get("x-d1-bookmark");
  if (answered && (!bookmark || answered > bookmark)) bookmark = answered;
  let parsed = null;
  try {
    parsed = await response.json();
  } catch {
    parsed = null;
  }
  return { status: response.status, ok: response.ok, body: parsed };
}

/** As api, but an unreachable API is an answer too (status 0), so every caller shows one message for it. */
export async function call(method, path, body) {
  try {
    return await api(method, path, body);
  } catch {
    return { status: 0, ok: false, body: { error: "Could not reach the API; try again." } };
  }
}

export function errorOf(result) {
  if (result.body && typeof result.body.error === "string") return result.body.error;
  if (result.body && result.body.error && typeof result.body.error.message === "string") return result.body.error.message;
  return "The API answered HTTP " + result.status;
}

/** An API refusal, in the API's words. */
export class Refusal extends Error {}

/** The path of a resource under the API, each id encoded. */
export function apiPath(...parts) {
  return "/api/v1/" + parts.map(function (part, index) {
    return index % 2 === 0 ? part : encodeURIComponent(part);
  }).join("/");
}

/**
 * Every item of a paged list (each answer's list under field, following next for up to MAX_PAGES pages), and whether
 * there were more than that. Throws a Refusal when the API refuses.
 */
export async function allPages(path, field) {
  const items = [];
  let before = null;
  let pages = 0;
  const joiner = path.includes("?") ? "&" : "?";
  do {
    const query = joiner + "limit=" + PAGE_LIMIT + (before ? "&before=" + encodeURIComponent(before) : "");
    const result = await call("GET", path + query);
    if (!result.ok) throw new Refusal(errorOf(result));
    for (const item of result.body[field]) items.push(item);
    before = result.body.next;
    pages += 1;
  } while (before && pages < MAX_PAGES);
  return { items: items, more: Boolean(before) };
}

/** A paragraph that says what went wrong, in a view. */
export function problem(message) {
  const line = element("p", message, "error");
  line.setAttribute("role", "alert");
  return line;
}

/** A form that runs submit(values) and says how it went; the submit button carries label. */
export function actionForm(label, fields, submit) {
  const form = element("form", null, "action-form");
  form.noValidate = false;
  for (const part of fields) form.append(part);
  const button = element("button", label);
  button.type = "submit";
  const outcome = outcomeLine();
  form.append(button, outcome);
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    outcome.className = "outcome";
    outcome.textContent = "Working…";
    try {
      const said = await submit(form, outcome);
      if (typeof said === "string") outcome.textContent = said;
    } catch (error) {
      outcome.textContent = error instanceof Refusal ? error.message : "Something went wrong in the page: " + String(error);
      outcome.className = "outcome error";
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** A disclosure (a button that shows and hides what it opens), for forms that are not needed at first sight. */
export function disclosure(label, content) {
  const wrap = element("div", null, "disclosure");
  const button = element("button", label);
  button.type = "button";
  button.setAttribute("aria-expanded", "false");
  const panel = element("div", null, "panel");
  panel.hidden = true;
  panel.append(content);
  button.addEventListener("click", function () {
    const open = panel.hidden;
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open) {
      const first = panel.querySelector("input, textarea, select");
      if (first) first.focus();
    }
  });
  wrap.append(button, panel);
  return wrap;
}
`;
