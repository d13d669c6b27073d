/** `/console/deploy-targets.js`: where each project's certificate is delivered (projects:read), and how that stands. */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const DEPLOY_TARGETS_VIEW_SCRIPT = `import { say, element, call, errorOf, problem, when, table, tableRow, viewLink, apiPath } from "./core.js";

const STATE_TEXT = { deployed: "Deployed", pending: "On its way", failing: "Failing", no_certificate: "Nothing to deliver yet" };

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
    const grid = table(null, ["Project", "Target", "State", "Last attempt", "Last error"]);
    let total = 0;
    for (const project of result.body.projects) {
      const answer = await call("GET", apiPath("projects", project.id, "deploy-targets"));
      if (!answer.ok) continue;
      for (const target of answer.body.targets) {
        total += 1;
        grid.body.append(tableRow([
          viewLink(["projects", project.id], project.name),
          target.kind + " " + target.id,
          element("span", STATE_TEXT[target.state] || target.state, "state status-" + target.state),
          when(target.lastAttemptAt) || "Never",
          target.lastError ? element("span", target.lastError, "error") : element("span", "None", "muted"),
        ]));
      }
    }
    say(total === 1 ? "1 deploy target" : total + " deploy targets");
    section.append(grid.wrap);
  },
};
`;
