/**
 * `/console/admin-controls.js`: what the webhooks, tokens and audit log views share: a list loaded again after a change,
 * a group of checkboxes, a scrolling table the keyboard reaches, a secret shown once, and a confirmation step before
 * an action that cannot be undone (in the page: no window.confirm dialog).
 */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const ADMIN_CONTROLS_SCRIPT = `import { element, outcomeLine, call, errorOf, problem } from "./core.js";

/**
 * A list the view loads again after a change: its container, and load(), which GETs path and fills the container with
 * what show(body) makes. Only the newest load shows: one started before a creation must not answer last and hide it.
 */
export function reloadableList(className, path, what, show) {
  const wrap = element("div", null, className);
  let latest = 0;
  return {
    wrap: wrap,
    load: async function () {
      const mine = ++latest;
      const result = await call("GET", path);
      if (mine !== latest) return;
      if (!result.ok) {
        wrap.replaceChildren(problem("Could not load the " + what + ": " + errorOf(result)));
        return;
      }
      wrap.replaceChildren(...show(result.body));
    },
  };
}

/** Checkboxes in a fieldset whose legend names the group; values() is what is checked, in the order given. */
export function checkboxGroup(legend, options, checked) {
  const fieldset = element("fieldset", null, "choices");
  fieldset.append(element("legend", legend));
  const boxes = [];
  for (const value of options) {
    const label = element("label", null, "choice");
    const box = element("input");
    box.type = "checkbox";
    box.value = value;
    box.checked = checked.includes(value);
    label.append(box, " " + value);
    fieldset.append(label);
    boxes.push(box);
  }
  return {
    fieldset: fieldset,
    values: function () {
      return boxes.filter(function (box) {
        return box.checked;
      }).map(function (box) {
        return box.value;
      });
    },
  };
}

/**
 * A table's scrolling wrapper as a labelled stop in the tab order: a wide table scrolls sideways, and a keyboard can
 * scroll only what it can focus (WCAG 2.1.1; axe-core's scrollable-region-focusable).
 */
export function scrollableTable(wrap, label) {
  wrap.tabIndex = 0;
  wrap.setAttribute("role", "region");
  wrap.setAttribute("aria-label", label);
  return wrap;
}

/**
 * A secret the API answers only once (a webhook's signing secret, a new token): shown as selectable text with a Copy
 * button, and held nowhere but in this element, so it is gone once the panel is dismissed or the view left.
 */
export function shownOnce(title, secret, note) {
  const panel = element("section", null, "shown-once");
  panel.setAttribute("role", "alert");
  const id = "once-" + Math.random().toString(36).slice(2, 10);
  const heading = element("h3", title);
  heading.id = id;
  panel.setAttribute("aria-labelledby", id);
  const value = element("code", secret, "copyable secret");
  const warning = element("p", "Copy it now: it is not shown again. " + (note || ""), "warning");
  const copy = element("button", "Copy");
  copy.type = "button";
  const dismiss = element("button", "Done, hide it");
  dismiss.type = "button";
  const outcome = outcomeLine();
  copy.addEventListener("click", async function () {
    try {
      await navigator.clipboard.writeText(value.textContent);
      outcome.textContent = "Copied.";
    } catch {
      // No clipboard access (a browser setting): the text stays selectable.
      getSelection().selectAllChildren(value);
      outcome.textContent = "Selected: copy it with your keyboard.";
    }
  });
  dismiss.addEventListener("click", function () {
    value.textContent = "";
    panel.remove();
  });
  const controls = element("p", null, "controls");
  controls.append(copy, " ", dismiss, outcome);
  panel.append(heading, warning, value, controls);
  return panel;
}

/**
 * Puts a confirmation in place of the button: the question, a button that acts (labelled confirmLabel) and Cancel.
 * act(outcome) runs on confirmation; the button comes back on Cancel, or when act returns false (it refused).
 */
export function confirmStep(button, question, confirmLabel, act) {
  const wrap = element("div", null, "confirm");
  wrap.hidden = true;
  const text = element("p", question);
  const yes = element("button", confirmLabel, "danger");
  yes.type = "button";
  const no = element("button", "Cancel");
  no.type = "button";
  const outcome = outcomeLine();
  wrap.append(text, yes, " ", no);
  const holder = element("div", null, "confirmable");
  holder.append(button, wrap, outcome);
  button.addEventListener("click", function () {
    outcome.textContent = "";
    outcome.className = "outcome";
    button.hidden = true;
    wrap.hidden = false;
    no.focus();
  });
  no.addEventListener("click", function () {
    wrap.hidden = true;
    button.hidden = false;
    button.focus();
  });
  yes.addEventListener("click", async function () {
    yes.disabled = true;
    no.disabled = true;
    outcome.textContent = "Working…";
    const done = await act(outcome);
    yes.disabled = false;
    no.disabled = false;
    if (done === false) {
      outcome.className = "outcome error";
      wrap.hidden = true;
      button.hidden = false;
      button.focus();
    }
  });
  return holder;
}
`;
