/** `/console/tokens.js`: the team's API tokens (tokens:read): names, scopes and use; never a secret. */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const TOKENS_VIEW_SCRIPT = `import { say, call, errorOf, problem, when, count, table, tableRow } from "./core.js";

export default {
  id: "tokens",
  title: "Tokens",
  scope: "tokens:read",
  async render(section) {
    const result = await call("GET", "/api/v1/tokens");
    if (!result.ok) {
      section.append(problem("Could not load the tokens: " + errorOf(result)));
      return;
    }
    const tokens = result.body.tokens;
    say(count(tokens.length, "token", "tokens"));
    const grid = table(null, ["Name", "Scopes", "Created", "Expires"]);
    for (const token of tokens) grid.body.append(tableRow([token.name, token.scopes.join(", "), when(token.createdAt), token.expiresAt ? when(token.expiresAt) : "Never"]));
    section.append(grid.wrap);
  },
};
`;
