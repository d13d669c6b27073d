/**
 * `/console/webhooks.js`: the team's webhook endpoints (webhooks:read), each with its state and delivery log; with
 * webhooks:write, a new endpoint (its signing secret shown once), disable/enable, delete, and "Send test event".
 */
import { CERTIFICATE_EVENT_TYPES } from "../../services/webhooks/events";

// Kept free of backticks and dollar-brace (but the event types below) so it can live in this template string as it is served.
export const WEBHOOKS_VIEW_SCRIPT = `import { can, say, element, actionButton, outcomeLine, call, errorOf, problem, when, count, table, tableRow, apiPath, field, input, actionForm, disclosure, Refusal } from "./core.js";
import { reloadableList, checkboxGroup, shownOnce, confirmStep, scrollableTable } from "./admin-controls.js";

const EVENT_TYPES = ${JSON.stringify(CERTIFICATE_EVENT_TYPES)};
// The attempts the log shows (the API keeps the newest 100 per endpoint).
const LOG_LIMIT = 50;
const OUTCOME_TEXT = { delivered: "Delivered", retrying: "Retrying", failed: "Failed" };

function stateText(endpoint) {
  if (!endpoint.disabled) return "Enabled";
  const reason = endpoint.disabledReason;
  // Some reasons say "Disabled …" themselves ("Disabled through the API").
  if (!reason) return "Disabled";
  return /^disabled/i.test(reason) ? reason : "Disabled: " + reason;
}

/** The facts of an endpoint, as a description list. */
function facts(endpoint) {
  const list = element("dl", null, "facts-grid");
  const pairs = [
    ["Events", endpoint.events.join(", ")],
    ["State", stateText(endpoint)],
    ["Last delivered", endpoint.lastDeliveredAt ? when(endpoint.lastDeliveredAt) : "Never"],
    ["Last error", endpoint.lastError ? endpoint.lastError + (endpoint.failingSince ? " (failing since " + when(endpoint.failingSince) + ")" : "") : "None"],
    ["Created", when(endpoint.createdAt)],
  ];
  for (const [term, value] of pairs) {
    list.append(element("dt", term));
    list.append(element("dd", value, term === "State" ? "state status-" + (endpoint.disabled ? "disabled" : "active") : term === "Last error" && endpoint.lastError ? "error" : ""));
  }
  return list;
}

/** The endpoint's newest attempts, loaded each time the log is opened (and after a test event while it is open). */
function deliveryLog(endpoint) {
  const wrap = element("div", null, "delivery-log");
  const button = actionButton("Delivery log", endpoint.url);
  button.setAttribute("aria-expanded", "false");
  const panel = element("div", null, "panel");
  panel.hidden = true;
  async function load() {
    panel.replaceChildren(element("p", "Loading…", "muted"));
    const result = await call("GET", apiPath("webhooks", endpoint.id, "deliveries") + "?limit=" + LOG_LIMIT);
    if (!result.ok) {
      panel.replaceChildren(problem("Could not load the delivery log: " + errorOf(result)));
      return;
    }
    const attempts = result.body.deliveries;
    if (attempts.length === 0) {
      panel.replaceChildren(element("p", "Nothing sent yet.", "muted"));
      return;
    }
    const grid = table("The newest " + count(attempts.length, "attempt", "attempts") + " to " + endpoint.url + ", newest first", ["Time", "Event", "Attempt", "Outcome", "Status", "Error"]);
    for (const attempt of attempts) {
      const outcome = (OUTCOME_TEXT[attempt.outcome] || attempt.outcome) + (attempt.nextRetryAt ? ", next try " + when(attempt.nextRetryAt) : "");
      grid.body.append(tableRow([when(attempt.at), attempt.eventType, attempt.attempt, outcome, attempt.statusCode === null ? "No answer" : attempt.statusCode, attempt.error || ""], "outcome-" + attempt.outcome));
    }
    panel.replaceChildren(scrollableTable(grid.wrap, "Delivery log of " + endpoint.url));
  }
  button.addEventListener("click", async function () {
    const open = panel.hidden;
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open) await load();
  });
  wrap.append(button, panel);
  return {
    wrap: wrap,
    refresh: async function () {
      if (!panel.hidden) await load();
    },
  };
}

/** Send test event: a signed ping now (POST …/test); the receiver's status and the start of its body. */
function testEventAction(endpoint, log) {
  const wrap = element("div", null, "action test-event");
  const button = actionButton("Send test event", endpoint.url);
  const outcome = outcomeLine();
  const answer = element("pre", null, "receiver-body");
  answer.hidden = true;
  answer.setAttribute("aria-label", "The start of the receiver's answer");
  button.addEventListener("click", async function () {
    button.disabled = true;
    outcome.className = "outcome";
    outcome.textContent = "Sending a ping…";
    answer.hidden = true;
    const result = await call("POST", apiPath("webhooks", endpoint.id, "test"));
    button.disabled = false;
    if (!result.ok) {
      outcome.textContent = "Not sent: " + errorOf(result);
      outcome.className = "outcome error";
      return;
    }
    const test = result.body;
    const status = test.status === null ? "no answer" : "HTTP " + test.status;
    outcome.textContent = (test.delivered ? "Delivered: the receiver answered " + status : "Not delivered (" + status + "): " + test.error) + " in " + test.durationMs + " ms.";
    outcome.className = test.delivered ? "outcome" : "outcome error";
    if (test.body) {
      answer.textContent = test.body;
      answer.hidden = false;
    }
    await log.refresh();
  });
  wrap.append(button, outcome, answer);
  return wrap;
}

function toggleAction(endpoint, replace) {
  const wrap = element("div", null, "action toggle");
  const button = actionButton(endpoint.disabled ? "Enable" : "Disable", endpoint.url);
  const outcome = outcomeLine();
  button.addEventListener("click", async function () {
    button.disabled = true;
    outcome.textContent = endpoint.disabled ? "Enabling…" : "Disabling…";
    const result = await call("PATCH", apiPath("webhooks", endpoint.id), { disabled: !endpoint.disabled });
    button.disabled = false;
    if (!result.ok) {
      outcome.textContent = "Not changed: " + errorOf(result);
      outcome.className = "outcome error";
      return;
    }
    replace(result.body, result.body.disabled ? "Disabled: nothing is sent to it until it is enabled again." : "Enabled: events are sent to it again.");
  });
  wrap.append(button, outcome);
  return wrap;
}

function deleteAction(endpoint, block) {
  const button = actionButton("Delete", endpoint.url);
  const holder = confirmStep(button, "Delete the endpoint " + endpoint.url + "? The messages waiting for it are dropped.", "Delete endpoint", async function (outcome) {
    const result = await call("DELETE", apiPath("webhooks", endpoint.id));
    if (!result.ok) {
      outcome.textContent = "Not deleted: " + errorOf(result);
      return false;
    }
    block.remove();
    say("Deleted the endpoint " + endpoint.url + ".");
    // The focused control went with the block: the keyboard starts again at the view's heading.
    document.getElementById("view-heading").focus();
    return true;
  });
  holder.className = "action confirmable";
  return holder;
}

/** One endpoint: its URL as the heading, its facts, the actions the token may take, and its delivery log. */
function endpointBlock(endpoint, note) {
  const block = element("section", null, "endpoint status-" + (endpoint.disabled ? "disabled" : "active"));
  const id = "endpoint-" + endpoint.id;
  const heading = element("h3", endpoint.url);
  heading.id = id;
  block.setAttribute("aria-labelledby", id);
  block.append(heading, facts(endpoint));
  if (note) {
    const line = outcomeLine();
    line.textContent = note;
    block.append(line);
  }
  const log = deliveryLog(endpoint);
  if (can("webhooks:write")) {
    const actions = element("div", null, "actions");
    actions.append(testEventAction(endpoint, log), toggleAction(endpoint, function (changed, said) {
      const updated = endpointBlock(changed, said);
      block.replaceWith(updated);
      // The keyboard stays on the control it used: the button that now does the opposite.
      updated.querySelector(".toggle button").focus();
    }), deleteAction(endpoint, block));
    block.append(actions);
  }
  block.append(log.wrap);
  return block;
}

function newEndpointForm(secretSlot, list) {
  const url = input("url", "url");
  url.required = true;
  const events = checkboxGroup("Events to send", EVENT_TYPES, EVENT_TYPES);
  const form = actionForm("Create endpoint", [
    field("Endpoint URL", url, "An HTTPS URL on a public host. Events are POSTed there as Standard Webhooks, signed with the secret shown after creation."),
    events.fieldset,
  ], async function () {
    const chosen = events.values();
    if (chosen.length === 0) throw new Refusal("Choose at least one event type.");
    const result = await call("POST", "/api/v1/webhooks", { url: url.value.trim(), events: chosen });
    if (!result.ok) throw new Refusal("Not created: " + errorOf(result));
    secretSlot.replaceChildren(shownOnce("Signing secret of " + result.body.url, result.body.secret, "Receivers verify the webhook-signature header with it."));
    url.value = "";
    await list.load();
    return "Created the endpoint " + result.body.url + ".";
  });
  return disclosure("New endpoint", form);
}

function endpointList() {
  return reloadableList("endpoint-list", "/api/v1/webhooks", "webhooks", function (body) {
    const endpoints = body.endpoints;
    say(endpoints.length === 0 ? "This team has no webhook endpoint yet." : count(endpoints.length, "endpoint", "endpoints"));
    return endpoints.map(function (endpoint) {
      return endpointBlock(endpoint);
    });
  });
}

export default {
  id: "webhooks",
  title: "Webhooks",
  scope: "webhooks:read",
  async render(section) {
    const list = endpointList();
    // Where a new endpoint's secret shows, once: it lives only in this element, which leaving the view removes.
    const secretSlot = element("div", null, "secret-slot");
    if (can("webhooks:write")) section.append(newEndpointForm(secretSlot, list));
    section.append(secretSlot, list.wrap);
    await list.load();
    section.append(element("p", "Certificate events are POSTed to each enabled endpoint as Standard Webhooks, retried for about a day, and an endpoint failing for 3 days is disabled. Send test event (webhooks:write) posts a signed ping now, also to a disabled endpoint.", "note"));
  },
};
`;
