/**
 * `/console/projects.js`: the team's projects with their domain's verification and their certificate, "New project",
 * and Check now for a pending domain. "#/projects/<id>" is one project's page (project-detail.js).
 */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const PROJECTS_VIEW_SCRIPT = `import { can, say, element, actionButton, outcomeLine, call, errorOf, allPages, table, tableRow, viewLink, problem, field, input, actionForm, disclosure, apiPath, count, Refusal } from "./core.js";
import { daysText, statusText } from "./certificates.js";
import { renderProject } from "./project-detail.js";

// One request per project for its domain's verification: the first DOMAIN_LIMIT projects with a domain are checked.
const DOMAIN_LIMIT = 100;
export const VERIFICATION_TEXT = { pending: "Pending", verified: "Verified", conflict: "Conflict" };

/** What the team must do for a domain: the TXT record to create while pending, the API's words otherwise. */
export function verificationTodo(verification) {
  const cell = element("div");
  if (verification.status === "pending" && verification.recordValue) {
    cell.append("Create a TXT record at ", element("code", verification.recordName), " with the value ", element("code", verification.recordValue));
  } else if (verification.status === "verified") {
    cell.append(element("span", "None", "muted"));
  } else {
    cell.append(element("span", verification.message || "", verification.status === "conflict" ? "error" : ""));
  }
  return cell;
}

/** Check now: looks the record up at once (POST …/domain/verify, projects:write); done(verification) on an answer. */
export function checkNowButton(project, done) {
  const wrap = element("div");
  const button = actionButton("Check now", project.domain);
  const outcome = outcomeLine();
  button.addEventListener("click", async function () {
    button.disabled = true;
    outcome.textContent = "Checking…";
    const result = await call("POST", apiPath("projects", project.id, "domain", "verify"));
    button.disabled = false;
    if (!result.ok) {
      outcome.textContent = "Not checked: " + errorOf(result);
      return;
    }
    const verification = result.body.verification;
    outcome.textContent = verification.status === "verified" ? "Verified" : verification.message || VERIFICATION_TEXT[verification.status];
    if (verification.status !== "pending") {
      // Nothing is left to check: the button goes, and keyboard focus moves to what it said rather than to the page's top.
      outcome.tabIndex = -1;
      button.remove();
      outcome.focus();
    }
    done(verification, outcome.textContent);
  });
  wrap.append(button, outcome);
  return wrap;
}

function newProjectForm() {
  const name = input("text", "name");
  name.required = true;
  name.pattern = "[a-z0-9]([a-z0-9._\\\\-]{0,98}[a-z0-9])?";
  const domain = input("text", "domain");
  domain.placeholder = "shop.example.com";
  const form = actionForm("Create project", [
    field("Project name", name, "Lower-case letters, digits, '.', '_' or '-'."),
    field("Domain", domain, "Optional: the name its certificate is for (a wildcard like *.example.com works with DNS-01)."),
  ], async function () {
    const body = { name: name.value.trim() };
    if (domain.value.trim()) body.domain = domain.value.trim();
    const result = await call("POST", "/api/v1/projects", body);
    if (!result.ok) throw new Refusal("Not created: " + errorOf(result));
    location.hash = "#/projects/" + encodeURIComponent(result.body.id);
    return "Created " + result.body.name;
  });
  return disclosure("New project", form);
}

async function certificatesByProject() {
  if (!can("certs:read")) return null;
  try {
    const listed = await allPages("/api/v1/certificates", "certificates");
    const byProject = new Map();
    for (const certificate of listed.items) if (certificate.projectId) byProject.set(certificate.projectId, certificate);
    return byProject;
  } catch {
    return null;
  }
}

function certificateCell(project, byProject) {
  if (byProject === null) return element("span", "Not shown (needs certs:read)", "muted");
  const certificate = byProject.get(project.id);
  if (!certificate) return element("span", "None yet", "muted");
  const cell = element("span", statusText(certificate.status) + ", " + daysText(certificate) + " left", "state status-" + certificate.status);
  return cell;
}

export default {
  id: "projects",
  title: "Projects",
  scope: "projects:read",
  async render(section, params, reload) {
    if (params.length > 0) return renderProject(section, params[0], reload);
    if (can("projects:write")) section.append(newProjectForm());
    const result = await call("GET", "/api/v1/projects");
    if (!result.ok) {
      section.append(problem("Could not load the projects: " + errorOf(result)));
      return;
    }
    const projects = result.body.projects;
    const byProject = await certificatesByProject();
    say(count(projects.length, "project", "projects"));
    if (projects.length === 0) {
      section.append(element("p", "This team has no project yet. A project holds one domain and its certificate.", "muted"));
      return;
    }
    const grid = table("The team's projects: each domain's proof of control and its certificate.", ["Project", "Domain", "Verification", "To do", "Certificate", "Action"]);
    let checked = 0;
    for (const project of projects) {
      let verification = null;
      let error = null;
      if (project.domain !== null && checked < DOMAIN_LIMIT) {
        checked += 1;
        const answer = await call("GET", apiPath("projects", project.id, "domain"));
        if (answer.ok) verification = answer.body.verification;
        else error = errorOf(answer);
      }
      grid.body.append(projectRow(project, verification, error, byProject));
    }
    section.append(grid.wrap);
    section.append(element("p", "Nothing is obtained or uploaded for a domain until it is verified; Check now (projects:write) looks the TXT record up at once, and the schedule looks again on its own. Conflict: another team verified the name first.", "note"));
  },
};

function projectRow(project, verification, error, byProject) {
  const status = verification ? verification.status : null;
  const statusCell = element("span", status ? VERIFICATION_TEXT[status] || status : project.domain ? "Unknown" : "", "verification status-" + (status || "none"));
  let todo;
  if (!project.domain) todo = element("span", "Set a domain (PATCH the project, or New project)", "muted");
  else if (error) todo = element("span", error, "error");
  else if (verification) todo = verificationTodo(verification);
  else todo = element("span", "Open the project to see it", "muted");
  const action = element("div");
  const row = tableRow([viewLink(["projects", project.id], project.name), project.domain || "None", statusCell, todo, certificateCell(project, byProject), action]);
  if (status === "pending" && can("projects:write")) {
    action.append(checkNowButton(project, function (updated) {
      statusCell.textContent = VERIFICATION_TEXT[updated.status] || updated.status;
      statusCell.className = "verification status-" + updated.status;
      todo.replaceWith(verificationTodo(updated));
    }));
  }
  return row;
}
`;
