/**
 * `/console/app.js`: the console's entry module. It takes the token, asks the API what the token may do, shows the
 * navigation for the views it may read, and renders the view the URL's fragment names ("#/projects",
 * "#/projects/<id>"); the fragment never reaches the server, and nothing else of the page's state is in the URL.
 */
import { CONSOLE_VIEWS } from "./views";

// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const APP_SCRIPT = `import { session, readStoredToken, keepToken, forgetToken, can, say, element, call, errorOf } from "./core.js";
${CONSOLE_VIEWS.map((view) => `import ${view.variable} from "./${view.file}";`).join("\n")}

const VIEWS = [${CONSOLE_VIEWS.map((view) => view.variable).join(", ")}];
const DEFAULT_VIEW = "certificates";

const form = document.getElementById("token-form");
const tokenInput = document.getElementById("token");
const forgetButton = document.getElementById("forget");
const nav = document.getElementById("console-nav");
const identity = document.getElementById("identity");
const viewRoot = document.getElementById("view");

function viewOf(id) {
  return VIEWS.find(function (view) {
    return view.id === id;
  });
}

/** The route in the fragment: a view id and its parameters ("#/projects/prj_1" is projects with ["prj_1"]). */
function currentRoute() {
  const parts = location.hash.replace(/^#\\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const view = viewOf(parts[0]);
  if (!view || !can(view.scope)) return { view: firstReadable(), params: [] };
  return { view: view, params: parts.slice(1) };
}

function firstReadable() {
  const preferred = viewOf(DEFAULT_VIEW);
  if (can(preferred.scope)) return preferred;
  return VIEWS.find(function (view) {
    return can(view.scope);
  }) || null;
}

/** Each navigation item shows only when the token may read what its view lists. */
function showNavigation() {
  for (const link of nav.querySelectorAll("a[data-view]")) {
    const view = viewOf(link.dataset.view);
    link.parentElement.hidden = !view || !can(view.scope);
  }
  nav.hidden = false;
}

let rendering = 0;

async function render() {
  if (!session.token) return;
  const route = currentRoute();
  for (const link of nav.querySelectorAll("a[data-view]")) {
    if (route.view && link.dataset.view === route.view.id) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const section = element("section", null, "view view-" + (route.view ? route.view.id : "none"));
  section.setAttribute("aria-labelledby", "view-heading");
  const heading = element("h2", route.view ? route.view.title : "Nothing to show");
  heading.id = "view-heading";
  heading.tabIndex = -1;
  section.append(heading);
  viewRoot.replaceChildren(section);
  if (!route.view) {
    section.append(element("p", "This token may read none of the console's views: give it a :read scope (Tokens, with tokens:write).", "error"));
    return;
  }
  const mine = ++rendering;
  section.setAttribute("aria-busy", "true");
  try {
    await route.view.render(section, route.params, reloadView);
  } catch (error) {
    section.append(element("p", "Could not show this view: " + (error && error.message ? error.message : String(error)), "error"));
  } finally {
    // A later navigation owns the page now; this view was already replaced.
    if (mine === rendering) section.removeAttribute("aria-busy");
  }
}

function focusHeading() {
  const heading = document.getElementById("view-heading");
  if (heading) heading.focus();
}

/** What a view calls after a change it made: the view again, and focus on its heading if the control that had it is gone. */
async function reloadView() {
  await render();
  if (!document.activeElement || document.activeElement === document.body) focusHeading();
}

/** Asks the API who the token is; false when it is refused (and then it is not kept). */
async function identify() {
  const result = await call("GET", "/api/v1/tokens/current");
  if (result.status === 401 || result.status === 403) {
    forgetToken();
    forgetButton.hidden = true;
    say(errorOf(result), true);
    return false;
  }
  if (!result.ok) {
    // An older service without this route: every control shows, and the API refuses what the token may not do.
    session.scopes = null;
    identity.textContent = "";
    return true;
  }
  session.scopes = result.body.scopes;
  session.tokenName = result.body.name;
  session.team = result.body.team || null;
  const team = session.team ? session.team.name + " (" + session.team.slug + ")" : "your team";
  identity.textContent = "Token " + result.body.name + " of " + team + ": " + result.body.scopes.join(", ");
  return true;
}

/** Shows the console for the kept token; false when the API refused the token. */
async function start() {
  say("Opening the console…");
  forgetButton.hidden = false;
  if (!(await identify())) return false;
  say("");
  showNavigation();
  await render();
  return true;
}

form.addEventListener("submit", function (event) {
  event.preventDefault();
  const value = tokenInput.value.trim();
  // The field is cleared at once: the token is kept only where keepToken puts it.
  tokenInput.value = "";
  if (!value) {
    say("Paste an API token first.", true);
    return;
  }
  keepToken(value);
  start().then(function (opened) {
    // The token was taken: focus goes on to what it opened (a reload, which no one asked to move, keeps its place).
    if (opened) focusHeading();
  });
});

forgetButton.addEventListener("click", function () {
  forgetToken();
  forgetButton.hidden = true;
  nav.hidden = true;
  identity.textContent = "";
  viewRoot.replaceChildren();
  say("Token forgotten.");
  tokenInput.focus();
});

window.addEventListener("hashchange", function () {
  // Keyboard and screen reader users land on the new view, not at the link they left.
  render().then(focusHeading);
});

const stored = readStoredToken();
if (stored) {
  keepToken(stored);
  start();
}
`;
