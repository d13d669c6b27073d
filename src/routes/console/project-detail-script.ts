/**
 * `/console/project-detail.js`: one project's page ("#/projects/<id>"): its domain's proof of control and DNS
 * delegation, its certificate in detail (names, serial, fingerprint, key type, issuer and chain, validity, renewal),
 * the actions the token may take on it (certificate-actions.js), its deployments and its recent audit events.
 */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const PROJECT_DETAIL_SCRIPT = `import { can, say, element, call, errorOf, apiPath, table, tableRow, viewLink, problem, day, when, shortHex, daysUntil, DAY_MS } from "./core.js";
import { VERIFICATION_TEXT, verificationTodo, checkNowButton } from "./projects.js";
import { renderCertificateActions } from "./certificate-actions.js";

const STATUS_TEXT = { valid: "Valid", expiring_soon: "Expiring soon", expired: "Expired", revoked: "Revoked", pending: "Being obtained", failed: "Last obtain failed" };
// The wire calls every ACME certificate "letsencrypt", whichever CA issued it (store/certificate-type.ts).
const TYPE_TEXT = { letsencrypt: "Obtained over ACME", custom: "Uploaded" };
const DELEGATION_TEXT = { pending: "Not in place yet", active: "In place", wrong_target: "Points elsewhere" };
const DEPLOYMENT_TEXT = { deployed: "Deployed", pending: "On its way", failing: "Failing", no_certificate: "Nothing to deliver yet" };

function subsection(title) {
  const part = element("section", null, "part");
  const id = "part-" + title.toLowerCase().replace(/[^a-z]+/g, "-");
  const heading = element("h3", title);
  heading.id = id;
  part.setAttribute("aria-labelledby", id);
  part.append(heading);
  return part;
}

/** A list of facts as a description list: term, then its value (text or a node). */
function facts(pairs) {
  const list = element("dl", null, "facts-grid");
  for (const [term, value] of pairs) {
    if (value === null || value === undefined || value === "") continue;
    list.append(element("dt", term));
    const detail = element("dd");
    if (value instanceof Node) detail.append(value);
    else detail.textContent = String(value);
    list.append(detail);
  }
  return list;
}

/** A serial or fingerprint, shortened; the API writes fingerprints with colons, which shortHex pairs up itself. */
function hexValue(hex) {
  const code = element("code", shortHex(hex.split(":").join(""), 24), "hex");
  code.title = hex;
  return code;
}

/** The certificates of a PEM bundle, counted (the chain's subjects are in the PEM itself, shown below it). */
function pemCount(pem) {
  return pem ? (pem.match(/-----BEGIN CERTIFICATE-----/g) || []).length : 0;
}

function pemBlock(label, pem) {
  const details = element("details", null, "pem");
  details.append(element("summary", label));
  details.append(element("pre", pem));
  return details;
}

/** Validity: the dates, days left and a bar of the share of the lifetime left (aria-hidden: it repeats the number). */
function validity(certificate, status) {
  const wrap = element("div", null, "days");
  const days = daysUntil(certificate.expiresAt);
  wrap.append(element("span", days < 0 ? "Expired" : days === 1 ? "1 day left" : days + " days left", "days-left"));
  const bar = element("span", null, "bar status-" + status);
  bar.setAttribute("aria-hidden", "true");
  const fill = element("span", null, "fill");
  const lifetime = Date.parse(certificate.expiresAt) - Date.parse(certificate.issuedAt);
  const left = Math.max(0, Date.parse(certificate.expiresAt) - Date.now());
  fill.style.width = (lifetime > 0 ? Math.min(100, (100 * left) / lifetime) : 0).toFixed(1) + "%";
  bar.append(fill);
  wrap.append(bar, element("span", "from " + day(certificate.issuedAt) + " until " + day(certificate.expiresAt) + " (" + Math.round(lifetime / DAY_MS) + "-day lifetime)", "until"));
  return wrap;
}

function domainPart(project, reload) {
  const part = subsection("Domain");
  if (!project.domain) {
    part.append(element("p", "This project has no domain yet: set one with PATCH /api/v1/projects/" + project.id + " and a body of {\\"domain\\": \\"shop.example.com\\"}.", "muted"));
    return part;
  }
  const verification = project.verification;
  const pairs = [["Name", project.domain]];
  if (verification) {
    const status = element("span", VERIFICATION_TEXT[verification.status] || verification.status, "verification status-" + verification.status);
    pairs.push(["Verification", status]);
    if (verification.status !== "verified") pairs.push(["To do", verificationTodo(verification)]);
    if (verification.checkedAt) pairs.push(["Last checked", when(verification.checkedAt)]);
  }
  part.append(facts(pairs));
  if (verification && verification.status === "pending" && can("projects:write")) {
    part.append(checkNowButton(project, function (updated) {
      if (updated.status === "verified") reload();
    }));
  }
  return part;
}

async function delegationPart(project) {
  const part = subsection("DNS delegation");
  if (!project.domain) return null;
  const result = await call("GET", apiPath("projects", project.id, "dns-delegation"));
  if (!result.ok) {
    // Not configured by the operator, or not for this name: the API says which.
    part.append(element("p", errorOf(result), "muted"));
    return part;
  }
  const delegation = result.body;
  part.append(facts([
    ["Record", element("code", delegation.recordName + " CNAME " + delegation.recordValue)],
    ["State", element("span", DELEGATION_TEXT[delegation.status] || delegation.status, "delegation status-" + delegation.status)],
    ["Found", delegation.found ? delegation.found : null],
    ["Checked", when(delegation.checkedAt)],
  ]));
  part.append(element("p", "Once the customer's CNAME is in place, obtain with DNS-01 through the delegation: renewals then need nothing from the customer.", "note"));
  return part;
}

function renewalFacts(certificate, status) {
  if (!status) return [];
  const pairs = [
    ["Auto-renew", certificate.autoRenew ? "On" : "Off"],
    ["Next renewal", status.nextRenewalAt ? when(status.nextRenewalAt) : "None scheduled"],
  ];
  if (status.renewalWindow) pairs.push(["CA's suggested window", when(status.renewalWindow.start) + " to " + when(status.renewalWindow.end)]);
  if (status.lastRenewAttempt) pairs.push(["Last attempt", when(status.lastRenewAttempt)]);
  if (status.lastRenewError) pairs.push(["Last error", element("span", status.lastRenewError, "error")]);
  if (certificate.renewedFrom) pairs.push(["Renewed from", "the certificate that expired " + when(certificate.renewedFrom)]);
  return pairs;
}

async function certificatePart(project, reload) {
  const part = subsection("Certificate");
  const [answer, statusAnswer] = [
    await call("GET", apiPath("projects", project.id, "certificate")),
    await call("GET", apiPath("projects", project.id, "certificate", "status")),
  ];
  const certificate = answer.ok ? answer.body : null;
  const status = statusAnswer.ok ? statusAnswer.body : null;
  if (!certificate) {
    // No certificate is a 200 with null (as the project certificate API defines it), not an error.
    if (!answer.ok) part.append(problem("Could not load the certificate: " + errorOf(answer)));
    else if (status) part.append(element("p", (STATUS_TEXT[status.status] || status.status) + (status.lastRenewError ? ": " + status.lastRenewError : "."), status.status === "failed" ? "error" : ""));
    else part.append(element("p", "No certificate yet: obtain one from a CA, or upload one you bought.", "muted"));
  } else {
    const state = status ? status.status : "valid";
    const chainCount = pemCount(certificate.chainPem);
    part.append(facts([
      ["Status", element("span", STATUS_TEXT[state] || state, "state status-" + state)],
      ["Names", certificate.names.join(", ")],
      ["Type", TYPE_TEXT[certificate.type] || certificate.type],
      ["Issuer", certificate.issuer],
      ["Validity", validity(certificate, state)],
      ["Serial", hexValue(certificate.serial)],
      ["SHA-256 fingerprint", hexValue(certificate.fingerprint)],
      ["Key type", certificate.keyType],
      ["Chain", chainCount === 0 ? "None (the leaf alone)" : chainCount === 1 ? "1 certificate after the leaf" : chainCount + " certificates after the leaf"],
      ["CA directory", certificate.acmeDirectoryUrl || null],
      ["DNS connection", certificate.dnsConnectionId || null],
      ["DNS delegation", certificate.dnsDelegation ? "Yes" : null],
      ["Revoked", certificate.revokedAt ? when(certificate.revokedAt) : null],
    ].concat(renewalFacts(certificate, status))));
    part.append(pemBlock("Certificate (PEM)", certificate.certificatePem));
    if (certificate.chainPem) part.append(pemBlock("Chain (PEM)", certificate.chainPem));
  }
  const actions = element("div", null, "certificate-actions");
  part.append(actions);
  await renderCertificateActions(actions, { project: project, certificate: certificate, status: status, reload: reload });
  return part;
}

async function deploymentsPart(project) {
  const part = subsection("Deployments");
  const result = await call("GET", apiPath("projects", project.id, "deploy-targets"));
  if (!result.ok) {
    part.append(problem("Could not load the deploy targets: " + errorOf(result)));
    return part;
  }
  const targets = result.body.targets;
  if (targets.length === 0) {
    part.append(element("p", "No deploy target: the certificate goes nowhere by itself (see Deploy targets).", "muted"));
    return part;
  }
  const grid = table(null, ["Target", "State", "Serial held", "Last attempt", "Last error"]);
  for (const target of targets) {
    grid.body.append(tableRow([
      target.kind + " " + target.id,
      element("span", DEPLOYMENT_TEXT[target.state] || target.state, "state status-" + target.state),
      target.deployedSerial ? hexValue(target.deployedSerial) : "None",
      when(target.lastAttemptAt) || "Never",
      target.lastError ? element("span", target.lastError, "error") : element("span", "None", "muted"),
    ]));
  }
  part.append(grid.wrap);
  return part;
}

/** The audit log's recent events about this project (tokens:read): renewals, revocations, exports, uploads. */
async function eventsPart(project) {
  const part = subsection("Recent events");
  if (!can("tokens:read")) {
    part.append(element("p", "The audit log needs a token with tokens:read.", "muted"));
    return part;
  }
  const result = await call("GET", "/api/v1/audit-log?limit=20&target=" + encodeURIComponent(project.id));
  if (!result.ok) {
    part.append(problem("Could not load the audit log: " + errorOf(result)));
    return part;
  }
  const events = result.body.events.filter(function (event) {
    return event.target === project.id;
  });
  if (events.length === 0) {
    part.append(element("p", "No events yet.", "muted"));
    return part;
  }
  const grid = table(null, ["When", "Action", "By"]);
  for (const event of events) grid.body.append(tableRow([when(event.at), event.action, event.actor]));
  part.append(grid.wrap);
  return part;
}

export async function renderProject(section, id, reload) {
  const result = await call("GET", apiPath("projects", id));
  const heading = section.querySelector("h2");
  if (!result.ok) {
    section.append(problem(result.status === 404 ? "No project " + id + " in this team." : "Could not load the project: " + errorOf(result)));
    return;
  }
  const project = result.body;
  heading.textContent = "Project " + project.name;
  say("");
  const back = element("p", null, "back");
  back.append(viewLink(["projects"], "All projects"));
  section.append(back, element("p", "Id " + project.id + ", created " + day(project.createdAt), "muted"));
  section.append(domainPart(project, reload));
  const delegation = await delegationPart(project);
  if (delegation) section.append(delegation);
  if (can("projects:read")) section.append(await certificatePart(project, reload));
  section.append(await deploymentsPart(project));
  section.append(await eventsPart(project));
}
`;
