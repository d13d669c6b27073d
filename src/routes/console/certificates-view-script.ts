/** `/console/certificates.js`: every certificate of the team, project and team-level, soonest expiry first, with Renew. */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const CERTIFICATES_VIEW_SCRIPT = `import { can, say, element, actionButton, outcomeLine, day, call, errorOf, allPages, table, viewLink, problem } from "./core.js";

const STATUS_TEXT = { valid: "Valid", expiring_soon: "Expiring soon", expired: "Expired", revoked: "Revoked" };
/** What the last Renew of each certificate answered, kept while the tab is open. */
const outcomes = new Map();
let nearestFirst = true;

function expiresAt(certificate) {
  return Date.parse(certificate.expiresAt);
}

export function daysText(certificate) {
  if (certificate.status === "expired") return "expired";
  return certificate.daysLeft === 1 ? "1 day" : certificate.daysLeft + " days";
}

/** Days left as text, a bar of the share of the lifetime left (aria-hidden: it repeats the number), and the date. */
export function daysLeftCell(certificate) {
  const cell = element("div", null, "days");
  cell.append(element("span", daysText(certificate), "days-left"));
  const bar = element("span", null, "bar status-" + certificate.status);
  bar.setAttribute("aria-hidden", "true");
  const fill = element("span", null, "fill");
  const lifetime = expiresAt(certificate) - Date.parse(certificate.issuedAt);
  const left = Math.max(0, expiresAt(certificate) - Date.now());
  fill.style.width = (lifetime > 0 ? Math.min(100, (100 * left) / lifetime) : 0).toFixed(1) + "%";
  bar.append(fill);
  const until = element("span", "until ", "until");
  const time = element("time", day(certificate.expiresAt));
  time.dateTime = certificate.expiresAt;
  until.append(time);
  cell.append(bar, until);
  return cell;
}

export function statusText(status) {
  return STATUS_TEXT[status] || status;
}

function domainCell(certificate) {
  const cell = element("div");
  const name = certificate.projectId ? viewLink(["projects", certificate.projectId], certificate.domain) : element("span", certificate.domain);
  name.classList.add("domain");
  cell.append(name);
  const others = certificate.names.filter(function (name) {
    return name !== certificate.domain;
  });
  if (others.length > 0) cell.append(element("span", "also " + others.join(", "), "names"));
  return cell;
}

function renewalCell(certificate) {
  const list = element("ul", null, "facts");
  list.append(element("li", certificate.autoRenew ? "Auto-renew on" : "Auto-renew off"));
  list.append(element("li", certificate.nextRenewalAt ? "Next " + day(certificate.nextRenewalAt) : "No renewal scheduled"));
  if (certificate.queuedForRenewal) list.append(element("li", "On the renewal queue", "queued"));
  if (certificate.renewalFailures > 0) {
    const failures = certificate.renewalFailures === 1 ? "1 failure" : certificate.renewalFailures + " failures";
    list.append(element("li", failures + " in a row", "failures"));
  }
  if (certificate.lastRenewAttempt) list.append(element("li", "Last tried " + day(certificate.lastRenewAttempt)));
  return list;
}

function actionCell(certificate, reload) {
  const cell = element("div");
  if (!certificate.projectId) {
    // Team-level certificates have no renew route (Vercel's /v8/certs has none): the schedule renews them.
    cell.append(element("span", "Renewed by the schedule", "muted"));
    return cell;
  }
  if (certificate.type === "custom") {
    cell.append(element("span", "Uploaded: upload its successor", "muted"));
    return cell;
  }
  if (!can("projects:write")) return cell;
  const button = actionButton("Renew", certificate.domain);
  const outcome = outcomeLine();
  outcome.textContent = outcomes.get(certificate.id) || "";
  button.addEventListener("click", async function () {
    button.disabled = true;
    outcome.textContent = "Renewing…";
    const result = await call("POST", "/api/v1/projects/" + encodeURIComponent(certificate.projectId) + "/certificate/renew");
    let message;
    if (result.status === 200) message = "Renewed: now valid until " + day(result.body.certificate.expiresAt);
    else if (result.status === 202) message = result.body.message;
    else message = "Not renewed: " + errorOf(result);
    outcomes.set(certificate.id, message);
    outcome.textContent = message;
    button.disabled = false;
    if (result.status === 200) await reload();
  });
  cell.append(button, outcome);
  return cell;
}

/** Every certificate of the team by days left (counted in the database, however many there are). */
async function summaryLine() {
  const result = await call("GET", "/api/v1/certificates/summary");
  if (!result.ok) return element("p", "Could not count the team's certificates: " + errorOf(result), "error");
  const counts = result.body;
  return element(
    "p",
    "Every certificate of the team: " + counts.expired + " expired, " + counts.expiring["1d"] + " within 1 day, " +
      counts.expiring["7d"] + " within 7 days, " + counts.expiring["14d"] + " within 14 days, " + counts.expiring["30d"] +
      " within 30 days; " + counts.renewalFailing + " failing to renew.",
    "expiry-summary",
  );
}

function nearestLine(certificates) {
  const live = certificates.filter(function (certificate) {
    return certificate.status !== "revoked";
  });
  if (live.length === 0) return element("p", certificates.length === 0 ? "This team has no certificates yet." : "", "nearest");
  const next = live.reduce(function (a, b) {
    return expiresAt(b) < expiresAt(a) ? b : a;
  });
  const when = next.status === "expired" ? "expired on " + day(next.expiresAt) : "expires in " + daysText(next) + ", on " + day(next.expiresAt);
  return element("p", "Nearest expiry: " + next.domain + " " + when + ".", "nearest status-" + next.status);
}

export default {
  id: "certificates",
  title: "Certificates",
  scope: "certs:read",
  async render(section, params, reload) {
    say("Loading certificates…");
    let listed;
    try {
      listed = await allPages("/api/v1/certificates", "certificates");
    } catch (error) {
      say("");
      section.append(problem(error.message));
      return;
    }
    const certificates = listed.items;
    const more = listed.more ? " (the first " + certificates.length + "; narrow down with the API)" : "";
    say(certificates.length === 1 ? "1 certificate" + more : certificates.length + " certificates" + more);
    // After the list, not beside it: each request carries the newest bookmark of the answers before it.
    const summary = await summaryLine();
    const grid = table("Every certificate of the team, project and team-level. Sort by days left with the column's button.", [
      "Domain", "Type", "Status", "Issuer", "Days left", "Renewal", "Last error", "Action",
    ]);
    const daysHeader = grid.table.querySelectorAll("thead th")[4];
    const sort = element("button", "Days left ");
    sort.type = "button";
    sort.id = "sort-days";
    const direction = element("span", null, "direction");
    sort.append(direction);
    daysHeader.replaceChildren(sort);
    function fill() {
      const order = nearestFirst ? 1 : -1;
      const rows = certificates.slice().sort(function (a, b) {
        return order * (expiresAt(a) - expiresAt(b)) || a.domain.localeCompare(b.domain);
      });
      grid.body.replaceChildren(...rows.map(function (certificate) {
        const row = element("tr", null, "status-" + certificate.status);
        const head = element("th");
        head.scope = "row";
        head.append(domainCell(certificate));
        const days = element("td");
        days.append(daysLeftCell(certificate));
        const renewal = element("td");
        renewal.append(renewalCell(certificate));
        const action = element("td");
        action.append(actionCell(certificate, reload));
        row.append(
          head,
          element("td", (certificate.projectId ? "Project" : "Team-level") + ", " + (certificate.type === "custom" ? "uploaded" : "ACME")),
          element("td", statusText(certificate.status), "state status-" + certificate.status),
          element("td", certificate.issuer, "issuer"),
          days,
          renewal,
          element("td", certificate.lastRenewError || "None", certificate.lastRenewError ? "error" : "muted"),
          action,
        );
        return row;
      }));
      daysHeader.setAttribute("aria-sort", nearestFirst ? "ascending" : "descending");
      direction.textContent = nearestFirst ? "(nearest first)" : "(furthest first)";
    }
    sort.addEventListener("click", function () {
      nearestFirst = !nearestFirst;
      fill();
    });
    fill();
    section.append(nearestLine(certificates), summary, grid.wrap);
    section.append(element("p", "Renew asks the CA now for a project certificate. An uploaded certificate renews when you upload its successor; team-level certificates (Vercel /v8/certs) are renewed by the schedule when auto-renew is on.", "note"));
  },
};
`;
