/** `/console/audit-log.js`: changes made with the team's tokens and by the operator to the team (tokens:read), newest first. */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const AUDIT_LOG_VIEW_SCRIPT = `import { say, call, errorOf, problem, when, table, tableRow } from "./core.js";

export default {
  id: "audit-log",
  title: "Audit log",
  scope: "tokens:read",
  async render(section) {
    const result = await call("GET", "/api/v1/audit-log?limit=50");
    if (!result.ok) {
      section.append(problem("Could not load the audit log: " + errorOf(result)));
      return;
    }
    say("");
    const grid = table("The newest 50 events", ["When", "Action", "Target", "By"]);
    for (const event of result.body.events) grid.body.append(tableRow([when(event.at), event.action, event.target, event.actor]));
    section.append(grid.wrap);
  },
};
`;
