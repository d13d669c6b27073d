/**
 * `/console/write-actions.js`: building blocks of the console's write actions beyond core.js: a confirmation step (no
 * window.confirm: the question is part of the page, reachable by keyboard and announced), a secret shown once, and
 * form fields made from the API's own schemas (form-fields.ts).
 */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const WRITE_ACTIONS_SCRIPT = `import { element, actionButton, outcomeLine, field, input, select, Refusal } from "./core.js";

/**
 * A button that asks before it acts: label opens a question with "Confirm <label>" and "Cancel" (and any fields the
 * action needs, such as a reason); run(outcome) acts and returns what to say, or throws a Refusal in the API's words.
 */
export function confirmedAction(options) {
  const wrap = element("div", null, "action");
  const button = actionButton(options.label, options.about);
  const outcome = outcomeLine();
  const ask = element("div", null, "confirm");
  ask.setAttribute("role", "group");
  ask.setAttribute("aria-label", options.label + " " + options.about);
  ask.hidden = true;
  const yes = actionButton("Confirm " + options.label.toLowerCase(), options.about);
  yes.className = "danger";
  const no = actionButton("Cancel", options.label.toLowerCase() + " of " + options.about);
  ask.append(element("p", options.question), ...(options.fields || []), yes, no);
  function close() {
    ask.hidden = true;
    button.hidden = false;
  }
  button.addEventListener("click", function () {
    button.hidden = true;
    ask.hidden = false;
    outcome.textContent = "";
    yes.focus();
  });
  no.addEventListener("click", function () {
    close();
    outcome.textContent = "Cancelled: nothing changed.";
    button.focus();
  });
  yes.addEventListener("click", async function () {
    yes.disabled = true;
    no.disabled = true;
    outcome.className = "outcome";
    outcome.textContent = "Working…";
    try {
      const said = await options.run(outcome);
      if (typeof said === "string") outcome.textContent = said;
    } catch (error) {
      outcome.textContent = error instanceof Refusal ? error.message : "Something went wrong in the page: " + String(error);
      outcome.className = "outcome error";
    } finally {
      yes.disabled = false;
      no.disabled = false;
      close();
    }
  });
  wrap.append(button, ask, outcome);
  return wrap;
}

/** Shows each part only while control's value is the part's value; its control, if given, is required only then. */
export function showWhile(control, parts) {
  function show() {
    for (const [value, node, required] of parts) {
      node.hidden = control.value !== value;
      if (required) required.required = control.value === value;
    }
  }
  control.addEventListener("change", show);
  show();
}

/** A secret the API shows this once (an HMAC key, a signing secret): selectable whole, with what to do with it. */
export function shownOnce(title, value, note) {
  const box = element("div", null, "shown-once");
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", title);
  box.append(element("p", title + ": copy it now, it is not shown again.", "once-title"));
  box.append(element("code", value, "copyable secret-value"));
  if (note) box.append(element("p", note, "note"));
  return box;
}

/** A field's label after its owner's name: "Access key ID" of "AWS Route 53" is "AWS Route 53 access key ID". */
function labelFor(owner, label) {
  if (!owner) return label;
  const acronym = /^[A-Z][A-Z]/.test(label);
  return owner + " " + (acronym ? label : label.charAt(0).toLowerCase() + label.slice(1));
}

/**
 * Labelled controls for a list of field specs (form-fields.ts); secret: password inputs, never filled back; owner
 * starts each label ("Cloudflare API token"), so no field shares the console token field's name. values() gives the
 * body's object (an empty optional field is left out), or throws a Refusal naming a field that is not JSON.
 */
export function schemaFields(specs, secret, owner) {
  const controls = specs.map(function (spec) {
    let control;
    if (spec.options) {
      control = select((spec.required ? [] : [["", "Default"]]).concat(spec.options.map(function (option) { return [option, option]; })));
    } else if (secret) {
      control = input("password", spec.name);
      control.autocomplete = "new-password";
    } else if (spec.json) {
      control = element("textarea");
      control.name = spec.name;
      control.spellcheck = false;
    } else {
      control = input("text", spec.name);
    }
    control.required = spec.required;
    const help = (spec.json ? "JSON. " : "") + (spec.required ? "" : "Optional.");
    return { spec: spec, control: control, node: field(labelFor(owner, spec.label), control, help || undefined) };
  });
  return {
    nodes: controls.map(function (entry) { return entry.node; }),
    values() {
      const out = {};
      for (const entry of controls) {
        const raw = entry.control.value.trim();
        if (raw === "") continue;
        if (!entry.spec.json) {
          out[entry.spec.name] = raw;
          continue;
        }
        try {
          out[entry.spec.name] = JSON.parse(raw);
        } catch (error) {
          throw new Refusal(entry.spec.label + " must be JSON: " + error.message);
        }
      }
      return out;
    },
    clearSecrets() {
      if (secret) for (const entry of controls) entry.control.value = "";
    },
  };
}
`;
