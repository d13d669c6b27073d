/** `/console/webhooks.js`: the team's webhook endpoints (webhooks:read), their state and recent deliveries. */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const WEBHOOKS_VIEW_SCRIPT = `import { say, call, errorOf, problem, when, count, table, tableRow } from "./core.js";

export default {
  id: "webhooks",
  title: "Webhooks",
  scope: "webhooks:read",
  async render(section) {
    const result = await call("GET", "/api/v1/webhooks");
    if (!result.ok) {
      section.append(problem("Could not load the webhooks: " + errorOf(result)));
      return;
    }
    const endpoints = result.body.endpoints;
    say(count(endpoints.length, "endpoint", "endpoints"));
    const grid = table(null, ["URL", "Events", "State", "Created"]);
    for (const endpoint of endpoints) {
      grid.body.append(tableRow([endpoint.url, (endpoint.events || []).join(", "), endpoint.disabled ? "Disabled (" + endpoint.disabledReason + ")" : "Enabled", when(endpoint.createdAt)]));
    }
    section.append(grid.wrap);
  },
};
`;
