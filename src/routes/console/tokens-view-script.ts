/**
 * `/console/tokens.js`: the team's API tokens (tokens:read): names, scopes and use, never a secret; with tokens:write,
 * a new token with scopes chosen among the ones this token holds (shown once), and revoke. The token the console uses
 * is marked, and revoking it signs the console out.
 */
import { SCOPES } from "../../services/scopes";

// Kept free of backticks and dollar-brace (but the scopes below) so it can live in this template string as it is served.
export const TOKENS_VIEW_SCRIPT = `import { can, say, element, actionButton, call, errorOf, when, day, count, table, tableRow, apiPath, field, input, actionForm, disclosure, Refusal } from "./core.js";
import { reloadableList, checkboxGroup, shownOnce, confirmStep, scrollableTable } from "./admin-controls.js";

const SCOPES = ${JSON.stringify(SCOPES)};
const MAX_DAYS = 3650;

/** The calling token (GET /api/v1/tokens/current), or null when the service cannot say. */
async function currentToken() {
  const result = await call("GET", "/api/v1/tokens/current");
  return result.ok ? result.body : null;
}

/** The console's own sign-out (the page's Forget token button): the token is dropped from the tab and the view closed. */
function signOut(message) {
  const forget = document.getElementById("forget");
  if (forget) forget.click();
  say(message, true);
}

function revokeAction(token, current) {
  const mine = current !== null && token.id === current.id;
  const button = actionButton("Revoke", token.name);
  const question = mine
    ? "Revoke " + token.name + ", the token this console uses? The console signs out, and anything else using it stops working."
    : "Revoke " + token.name + "? Anything using it stops working at once.";
  return confirmStep(button, question, "Revoke token", async function (outcome) {
    const result = await call("DELETE", apiPath("tokens", token.id));
    if (!result.ok) {
      outcome.textContent = "Not revoked: " + errorOf(result);
      return false;
    }
    if (mine) {
      signOut("The token " + token.name + " is revoked: the console signed out. Paste another token to go on.");
      return true;
    }
    outcome.textContent = "Revoked " + when(result.body.revokedAt) + ".";
    button.closest("tr").replaceWith(tokenRow(result.body, current));
    say("Revoked the token " + token.name + ".");
    // The focused control went with the row: the keyboard starts again at the view's heading.
    document.getElementById("view-heading").focus();
    return true;
  });
}

function tokenRow(token, current) {
  const name = element("span", token.name);
  if (current !== null && token.id === current.id) {
    name.append(" ", element("strong", "(this token)", "this-token"));
  }
  const state = token.revokedAt ? element("span", "Revoked " + when(token.revokedAt), "state status-disabled") : element("span", "Active", "state status-active");
  const action = element("div");
  if (!token.revokedAt && can("tokens:write")) action.append(revokeAction(token, current));
  const prefix = element("code", token.prefix + "…");
  return tableRow([name, prefix, token.scopes.join(", "), when(token.createdAt), token.lastUsedAt ? when(token.lastUsedAt) : "Never", token.expiresAt ? when(token.expiresAt) : "Never", state, action], token.revokedAt ? "revoked" : "");
}

function newTokenForm(current, secretSlot, list) {
  const name = input("text", "name");
  name.required = true;
  name.maxLength = 100;
  // A token grants only what it holds (a :write covers its :read): the others are not offered.
  const grantable = SCOPES.filter(can);
  const scopes = checkboxGroup("Scopes", grantable, []);
  const days = input("number", "expiresInDays");
  days.min = "1";
  days.max = String(MAX_DAYS);
  days.step = "1";
  const limit = current && current.expiresAt ? "This token expires " + day(current.expiresAt) + ": the new one must expire by then." : "Empty: it never expires.";
  const form = actionForm("Create token", [
    field("Token name", name, "What uses it, e.g. ci-deploy."),
    scopes.fieldset,
    field("Expires in days", days, "Optional, 1 to " + MAX_DAYS + ". " + limit),
  ], async function () {
    const chosen = scopes.values();
    if (chosen.length === 0) throw new Refusal("Choose at least one scope.");
    const body = { name: name.value.trim(), scopes: chosen };
    if (days.value.trim()) body.expiresInDays = Number(days.value);
    const result = await call("POST", "/api/v1/tokens", body);
    if (!result.ok) throw new Refusal("Not created: " + errorOf(result));
    secretSlot.replaceChildren(shownOnce("New token " + result.body.name, result.body.token, "Only its prefix is kept in the list."));
    name.value = "";
    days.value = "";
    await list.load();
    return "Created the token " + result.body.name + ".";
  });
  return disclosure("New token", form);
}

function tokenList(current) {
  return reloadableList("token-list", "/api/v1/tokens", "tokens", function (body) {
    const tokens = body.tokens;
    say(count(tokens.length, "token", "tokens"));
    const grid = table("The team's API tokens: only their prefixes are kept in view, never the secrets.", ["Name", "Prefix", "Scopes", "Created", "Last used", "Expires", "State", "Action"]);
    for (const token of tokens) grid.body.append(tokenRow(token, current));
    return [scrollableTable(grid.wrap, "Tokens")];
  });
}

export default {
  id: "tokens",
  title: "Tokens",
  scope: "tokens:read",
  async render(section) {
    const current = await currentToken();
    const list = tokenList(current);
    // Where a new token shows, once: it lives only in this element, which leaving the view removes.
    const secretSlot = element("div", null, "secret-slot");
    if (can("tokens:write")) section.append(newTokenForm(current, secretSlot, list));
    section.append(secretSlot, list.wrap);
    await list.load();
    section.append(element("p", "A token grants and revokes only scopes it holds, and a token that expires creates only tokens that expire no later.", "note"));
  },
};
`;
