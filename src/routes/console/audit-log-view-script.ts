/**
 * `/console/audit-log.js`: changes made with the team's tokens and by the operator to the team (tokens:read), newest
 * first, a page at a time ("Show more" follows the API's `next` cursor), filtered by action, target and actor.
 */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const AUDIT_LOG_VIEW_SCRIPT = `import { say, element, call, errorOf, problem, when, count, table, tableRow, field, input, actionForm, Refusal } from "./core.js";
import { scrollableTable } from "./admin-controls.js";

const PAGE = 50;
const FILTERS = ["action", "target", "actor"];

/** The API's query for a page: the filters given, the page size and the cursor. */
function query(filters, before) {
  const params = new URLSearchParams();
  for (const name of FILTERS) if (filters[name]) params.set(name, filters[name]);
  params.set("limit", String(PAGE));
  if (before) params.set("before", before);
  return "/api/v1/audit-log?" + params.toString();
}

/** Token names by id, so a row says who acted by name; empty when the list cannot be read. */
async function tokenNames() {
  const names = new Map();
  const result = await call("GET", "/api/v1/tokens");
  if (result.ok) for (const token of result.body.tokens) names.set(token.id, token.name);
  return names;
}

/** A recorded value as words: lists with spaces between their items, so a long one wraps in its cell. */
function valueText(value) {
  if (value === null || value === undefined) return "none";
  if (Array.isArray(value)) return value.map(valueText).join(", ");
  if (typeof value === "object") return JSON.stringify(value).split(",").join(", ");
  return String(value);
}

/** What else the log recorded, as "key: value" pairs (never a secret: the API records none). */
function detailText(detail) {
  if (!detail) return "";
  return Object.keys(detail).map(function (key) {
    return key + ": " + valueText(detail[key]);
  }).join("; ");
}

function eventRow(event, names) {
  const actor = names.has(event.actor) ? names.get(event.actor) + " (" + event.actor + ")" : event.actor;
  const time = element("time", when(event.at));
  time.dateTime = event.at;
  return tableRow([time, event.action, event.target || "", actor, detailText(event.detail)]);
}

function filterForm(filters, show) {
  const action = input("text", "action");
  action.value = filters.action || "";
  action.setAttribute("list", "audit-actions");
  const actions = element("datalist");
  actions.id = "audit-actions";
  const target = input("text", "target");
  target.value = filters.target || "";
  const actor = input("text", "actor");
  actor.value = filters.actor || "";
  const form = actionForm("Filter", [
    field("Action", action, "As the log records it, e.g. POST /api/v1/tokens; ending in / it is a prefix: POST /api/v1/webhooks/ is every POST under an endpoint."),
    actions,
    field("Target", target, "The id of what changed; a project's id also finds its certificates' events."),
    field("Actor", actor, "A token's id (tok_…), or operator."),
  ], async function () {
    const chosen = { action: action.value.trim(), target: target.value.trim(), actor: actor.value.trim() };
    const said = await show(chosen);
    if (said instanceof Refusal) throw said;
    return said;
  });
  form.setAttribute("role", "search");
  form.setAttribute("aria-label", "Filter the audit log");
  return { form: form, actions: actions };
}

export default {
  id: "audit-log",
  title: "Audit log",
  scope: "tokens:read",
  async render(section) {
    const names = await tokenNames();
    const results = element("div", null, "audit-results");
    const filtersForm = filterForm({}, show);
    section.append(filtersForm.form, results);
    // The newest request for a first page: an earlier one answering later (a filter sent while the view was still
    // loading) must not replace what it shows.
    let latest = 0;

    /** Shows the first page for the filters; a Refusal (a filter the API refuses) leaves the page shown as it was. */
    async function show(filters) {
      const mine = ++latest;
      const result = await call("GET", query(filters, null));
      if (mine !== latest) return "";
      if (!result.ok) return new Refusal("Not filtered: " + errorOf(result));
      const filtered = FILTERS.some(function (name) {
        return filters[name];
      });
      const grid = table(null, ["When", "Action", "Target", "By", "Detail"]);
      const caption = grid.table.querySelector("caption") || element("caption");
      grid.table.prepend(caption);
      let shown = 0;
      let next = null;
      const seen = new Set();
      function append(page) {
        for (const event of page.events) {
          grid.body.append(eventRow(event, names));
          seen.add(event.action);
        }
        shown += page.events.length;
        next = page.next;
        caption.textContent = (next ? "The newest " : "") + count(shown, "event", "events") + (filtered ? " matching the filters" : "") + ", newest first";
        more.hidden = !next;
        filtersForm.actions.replaceChildren(...Array.from(seen).sort().map(function (value) {
          const option = element("option");
          option.value = value;
          return option;
        }));
      }
      const more = element("p", null, "more");
      const button = element("button", "Show more");
      button.type = "button";
      button.append(element("span", " audit events", "visually-hidden"));
      const outcome = element("span", null, "outcome");
      outcome.setAttribute("role", "status");
      more.append(button, outcome);
      button.addEventListener("click", async function () {
        button.disabled = true;
        outcome.textContent = "Loading…";
        const page = await call("GET", query(filters, next));
        button.disabled = false;
        if (!page.ok) {
          // The rows shown stay, and so does the button: the same page can be asked for again.
          outcome.textContent = "Could not load more: " + errorOf(page);
          return;
        }
        outcome.textContent = "";
        append(page.body);
      });
      append(result.body);
      if (shown === 0) {
        results.replaceChildren(element("p", filtered ? "No event matches these filters." : "Nothing recorded yet.", "muted"));
        say(filtered ? "No matching events." : "");
        return filtered ? "No matching events." : "";
      }
      results.replaceChildren(scrollableTable(grid.wrap, "Audit events"), more);
      say(caption.textContent);
      // The status line and the caption say how many: the form's own line stays quiet.
      return "";
    }

    const first = await show({});
    if (first instanceof Refusal) results.replaceChildren(problem("Could not load the audit log: " + first.message));
  },
};
`;
