/**
 * `/console/deploy-targets.js`: where each project's certificate is delivered (projects:read) and how that stands;
 * with projects:write, Redeploy and Delete; with certificates:export as well (a target receives the private key), a
 * new target with its kind's settings and credentials (password fields, never shown back).
 */
import { DEPLOY_KIND_FORMS, moduleConstant } from "./form-fields";

// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const DEPLOY_TARGETS_VIEW_SCRIPT = `import { can, say, element, actionButton, outcomeLine, call, errorOf, problem, when, table, tableRow, viewLink, apiPath, count, shortHex, field, select, actionForm, disclosure, Refusal } from "./core.js";
import { confirmedAction, schemaFields, shownOnce } from "./write-actions.js";

/** Each kind with its settings and credentials, from the API's own schemas. */
const KINDS = ${moduleConstant(DEPLOY_KIND_FORMS)};
const STATE_TEXT = { deployed: "Deployed", pending: "On its way", failing: "Failing", no_certificate: "Nothing to deliver yet" };
const OUTCOME_TEXT = {
  delivered: "Delivered",
  up_to_date: "Already holds this certificate",
  no_certificate: "Nothing to deliver: the project has no certificate yet",
  busy: "Another delivery to it is running; try again shortly",
  failed: "Not delivered",
  gone: "The target was removed meanwhile",
};

function kindOf(name) {
  return KINDS.find(function (kind) { return kind.kind === name; });
}

function kindLabel(name) {
  const kind = kindOf(name);
  return kind ? kind.label : name;
}

/** Where a target delivers: its settings as the API shows them (a push URL's query values redacted), and the provider's id. */
function whereText(target) {
  const parts = Object.keys(target.settings).filter(function (key) {
    return typeof target.settings[key] !== "object";
  }).map(function (key) { return key + ": " + target.settings[key]; });
  if (target.remoteId && !parts.some(function (part) { return part.endsWith(": " + target.remoteId); })) parts.push("remote id: " + target.remoteId);
  return parts.join("; ");
}

function stateCell(target) {
  const cell = element("div");
  cell.append(element("span", STATE_TEXT[target.state] || target.state, "state status-" + target.state));
  if (target.warning) cell.append(element("span", target.warning, "names error"));
  return cell;
}

function holdsCell(target) {
  if (!target.deployedSerial) return element("span", "Nothing yet", "muted");
  const cell = element("div");
  const serial = element("span", "Serial " + shortHex(target.deployedSerial, 16), "hex");
  serial.title = target.deployedSerial;
  cell.append(serial, element("span", "since " + when(target.deployedAt), "names"));
  return cell;
}

function lastAttemptCell(target) {
  const cell = element("div");
  cell.append(element("span", when(target.lastAttemptAt) || "Never"));
  if (target.lastError) {
    const failures = target.failures > 1 ? " (" + target.failures + " failures in a row)" : "";
    cell.append(element("span", target.lastError + failures, "names error last-error"));
  }
  return cell;
}

function targetCells(target) {
  const name = element("div");
  name.append(element("span", kindLabel(target.kind)), element("code", target.id, "names"));
  return [name, whereText(target), stateCell(target), holdsCell(target), lastAttemptCell(target), when(target.nextAttemptAt) || element("span", "None scheduled", "muted")];
}

function redeployAction(project, target, update) {
  const wrap = element("div", null, "action");
  const button = actionButton("Redeploy", kindLabel(target.kind) + " " + target.id);
  const outcome = outcomeLine();
  button.addEventListener("click", async function () {
    button.disabled = true;
    outcome.className = "outcome";
    outcome.textContent = "Delivering…";
    const result = await call("POST", apiPath("projects", project.id, "deploy-targets", target.id, "deploy"));
    button.disabled = false;
    if (!result.ok) {
      outcome.textContent = "Not delivered: " + errorOf(result);
      outcome.className = "outcome error";
      return;
    }
    const said = OUTCOME_TEXT[result.body.outcome] || result.body.outcome;
    outcome.textContent = result.body.error ? said + ": " + result.body.error : said;
    if (result.body.outcome === "failed") outcome.className = "outcome error";
    update(result.body.target);
  });
  wrap.append(button, outcome);
  return wrap;
}

function targetRow(project, target, recount) {
  const actions = element("div", null, "row-actions");
  const row = tableRow(targetCells(target).concat([actions]));
  function update(changed) {
    const cells = targetCells(changed);
    cells.forEach(function (value, index) {
      const cell = row.children[index];
      if (value instanceof Node) cell.replaceChildren(value);
      else cell.textContent = value;
    });
  }
  if (!can("projects:write")) {
    actions.append(element("span", "None", "muted"));
    return row;
  }
  actions.append(redeployAction(project, target, update));
  actions.append(confirmedAction({
    label: "Delete",
    about: kindLabel(target.kind) + " " + target.id,
    question: "Delete this deploy target? Nothing more is delivered to it; what it holds stays there.",
    async run() {
      const result = await call("DELETE", apiPath("projects", project.id, "deploy-targets", target.id));
      if (!result.ok) throw new Refusal("Not deleted: " + errorOf(result));
      row.remove();
      recount(-1);
      say(result.body.message);
      return result.body.message;
    },
  }));
  return row;
}

/** One project's targets: a heading and a table (made when its first target is, for a project that has none yet). */
function projectBlock(project, targets, error, recount) {
  const block = element("section", null, "project-targets");
  block.setAttribute("aria-label", "Deploy targets of " + project.name);
  const heading = element("h3");
  heading.append(viewLink(["projects", project.id], project.name));
  block.append(heading);
  let grid = null;
  const empty = element("p", error ? "Could not load its targets: " + error : "No deploy target.", error ? "error" : "muted");
  function add(target) {
    if (!grid) {
      grid = table("Where " + project.name + "'s certificate is delivered", ["Target", "Delivers to", "State", "Holds", "Last attempt", "Next attempt", "Actions"]);
      empty.replaceWith(grid.wrap);
    }
    grid.body.append(targetRow(project, target, recount));
  }
  block.append(empty);
  for (const target of targets) add(target);
  return { node: block, add: add };
}

function newTargetForm(projects, blocks, recount) {
  const project = select(projects.map(function (entry) { return [entry.id, entry.name + (entry.domain ? " (" + entry.domain + ")" : "")]; }));
  const kind = select(KINDS.map(function (entry) { return [entry.kind, entry.label]; }));
  const settingsSet = element("fieldset", null, "settings");
  const credentialsSet = element("fieldset", null, "credentials");
  const once = element("div");
  let settings;
  let credentials;
  function showKind() {
    const entry = kindOf(kind.value);
    settings = schemaFields(entry.settings, false);
    settingsSet.replaceChildren(element("legend", "Settings"), ...settings.nodes);
    // A kind whose credentials this service can make (an HTTPS push's signing secret) takes none: they are made and shown once.
    const specs = entry.credentials.map(function (spec) {
      return entry.credentialsMadeHere ? Object.assign({}, spec, { required: false }) : spec;
    });
    credentials = schemaFields(specs, true, entry.label);
    const legend = element("legend", "Credentials");
    const note = entry.credentialsMadeHere ? [element("p", "Leave empty to have them made here: they are shown once, after creating.", "help")] : [];
    credentialsSet.replaceChildren(legend, ...note, ...credentials.nodes);
  }
  kind.addEventListener("change", showKind);
  showKind();
  const form = actionForm("Create target", [field("Project", project), field("Kind", kind), settingsSet, credentialsSet], async function () {
    once.replaceChildren();
    const body = { kind: kind.value, settings: settings.values() };
    const given = credentials.values();
    if (Object.keys(given).length > 0) body.credentials = given;
    const result = await call("POST", apiPath("projects", project.value, "deploy-targets"), body);
    credentials.clearSecrets();
    if (!result.ok) throw new Refusal("Not created: " + errorOf(result));
    const target = result.body;
    blocks.get(project.value).add(target);
    recount(1);
    for (const [name, value] of Object.entries(target.credentials || {})) {
      once.append(shownOnce("The " + name + " made for " + target.id, value, "The receiver verifies each push with it (Standard Webhooks signature)."));
    }
    const stood = STATE_TEXT[target.state] || target.state;
    return "Created " + kindLabel(target.kind) + " " + target.id + ": " + stood + (target.lastError ? " (" + target.lastError + ")" : "");
  });
  const wrap = element("div");
  wrap.append(form, once);
  return disclosure("New deploy target", wrap);
}

export default {
  id: "deploy-targets",
  title: "Deploy targets",
  scope: "projects:read",
  async render(section) {
    const result = await call("GET", "/api/v1/projects");
    if (!result.ok) {
      section.append(problem("Could not load the projects: " + errorOf(result)));
      return;
    }
    const projects = result.body.projects;
    const blocks = new Map();
    const list = element("div", null, "target-list");
    let total = 0;
    function recount(delta) {
      total += delta;
      say(count(total, "deploy target", "deploy targets") + " in " + count(projects.length, "project", "projects"));
    }
    for (const project of projects) {
      const answer = await call("GET", apiPath("projects", project.id, "deploy-targets"));
      const targets = answer.ok ? answer.body.targets : [];
      total += targets.length;
      const block = projectBlock(project, targets, answer.ok ? null : errorOf(answer), recount);
      blocks.set(project.id, block);
      list.append(block.node);
    }
    recount(0);
    if (projects.length === 0) {
      section.append(element("p", "This team has no project yet: a deploy target delivers a project's certificate.", "muted"));
      return;
    }
    // A target receives the private key: adding one takes certificates:export as well (the API's rule).
    if (can("projects:write") && can("certificates:export")) section.append(newTargetForm(projects, blocks, recount));
    section.append(list);
    section.append(element("p", "Every issuance, renewal and upload is delivered to each target, retried with backoff while one fails. Redeploy delivers the current certificate now.", "note"));
  },
};
`;
