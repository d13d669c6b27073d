/**
 * `/console/private-cas.js`: the team's private CAs (cas:read), each with its facts, name constraints and the first page
 * of its certificates ("Show more" asks for older ones). Its CA certificate and CRL are public, for relying parties.
 */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const PRIVATE_CAS_VIEW_SCRIPT = `import { say, element, call, errorOf, allPages, problem, day, count, shortHex, daysUntil, untilText, safeLink } from "./core.js";

// A page of each CA's certificates: one request per CA at load, so a team with many CAs stays quick; "Show more"
// asks for the next (older) page of one CA with the cursor of the page before it.
const CA_CERTIFICATE_LIMIT = 50;
/** The names of the team's CAs, by id, as last loaded: the ACME directories view names a private issuer with it. */
export const caNames = new Map();

const KIND_TEXT = { root: "Root", intermediate: "Intermediate", imported: "Imported" };
const CA_STATUS_TEXT = { active: "Active", disabled: "Disabled" };
const CERTIFICATE_STATUS_TEXT = { active: "Active", revoked: "Revoked" };

function caBlock(ca, names, page) {
  const block = element("section", null, "ca status-" + ca.status);
  const heading = element("h3", ca.name, "ca-name");
  block.setAttribute("aria-label", ca.name);
  block.appendChild(heading);
  const facts = element("ul", null, "facts ca-facts");
  const kind = KIND_TEXT[ca.kind] || ca.kind;
  facts.appendChild(element("li", ca.parentId && names.has(ca.parentId) ? kind + " under " + names.get(ca.parentId) : kind, "ca-kind"));
  facts.appendChild(element("li", CA_STATUS_TEXT[ca.status] || ca.status, "ca-status state status-" + ca.status));
  const until = element("li", untilText(ca.notAfter), "ca-until");
  if (daysUntil(ca.notAfter) < 0) until.className = "ca-until error";
  facts.appendChild(until);
  const fingerprint = element("li", "SHA-256 " + shortHex(ca.fingerprintSha256, 16), "ca-fingerprint");
  fingerprint.title = ca.fingerprintSha256;
  facts.appendChild(fingerprint);
  const certificate = element("li", null, "ca-certificate");
  certificate.appendChild(safeLink(ca.caCertificateUrl, "CA certificate"));
  facts.appendChild(certificate);
  const crl = element("li", null, "ca-crl");
  crl.appendChild(safeLink(ca.crlUrl, "CRL"));
  facts.appendChild(crl);
  block.appendChild(facts);
  const constraints = constraintsList(ca.nameConstraints);
  if (constraints) block.appendChild(constraints);
  block.appendChild(issuedTable(ca, page));
  return block;
}

const CONSTRAINT_TEXT = [
  ["permittedDnsDomains", "Permitted DNS domains"],
  ["excludedDnsDomains", "Excluded DNS domains"],
  ["permittedIpRanges", "Permitted IP ranges"],
  ["excludedIpRanges", "Excluded IP ranges"],
  // An imported CA may constrain name types this service does not evaluate; its leaves may not carry them.
  ["unsupportedNameTypes", "Other constrained name types"],
];

/** The CA's own name constraints, one line per non-empty list; null when it has none. */
function constraintsList(constraints) {
  if (!constraints) return null;
  const list = element("ul", null, "facts ca-constraints");
  list.setAttribute("aria-label", "Name constraints");
  for (const [field, label] of CONSTRAINT_TEXT) {
    const values = Array.isArray(constraints[field]) ? constraints[field] : [];
    if (values.length === 0) continue;
    const line = element("li", null, "constraint-" + field);
    line.appendChild(element("span", label + ": ", "constraint-label"));
    line.appendChild(element("span", values.join(", "), "constraint-values"));
    list.appendChild(line);
  }
  return list.children.length > 0 ? list : null;
}

function issuedTable(ca, page) {
  if (page.error) return element("p", "Could not load its certificates: " + page.error, "error");
  const list = page.certificates;
  if (list.length === 0) return element("p", "No certificates issued yet.", "muted");
  const wrap = element("div", null, "table-wrap");
  const table = element("table", null, "issued");
  const caption = element("caption");
  table.appendChild(caption);
  const head = element("thead");
  const headRow = element("tr");
  for (const title of ["Serial", "Profile", "Names", "Valid until", "Status"]) {
    const cell = element("th", title);
    cell.scope = "col";
    headRow.appendChild(cell);
  }
  head.appendChild(headRow);
  table.appendChild(head);
  const body = element("tbody");
  for (const certificate of list) body.appendChild(issuedRow(certificate));
  table.appendChild(body);
  wrap.appendChild(table);
  let shown = list.length;
  let next = page.next;
  function showCount() {
    const count = shown === 1 ? "1 certificate" : shown + " certificates";
    caption.textContent = (next ? "The newest " + count : count) + " issued by " + ca.name;
  }
  showCount();
  const more = element("p", null, "more");
  const button = element("button", "Show more");
  button.type = "button";
  button.className = "show-more";
  button.appendChild(element("span", " certificates of " + ca.name, "visually-hidden"));
  const outcome = element("span", null, "outcome");
  outcome.setAttribute("role", "status");
  more.appendChild(button);
  more.appendChild(outcome);
  more.hidden = !next;
  button.addEventListener("click", async function () {
    button.disabled = true;
    outcome.textContent = "Loading…";
    const query = "?limit=" + CA_CERTIFICATE_LIMIT + "&before=" + encodeURIComponent(next);
    const result = await call("GET", "/api/v1/cas/" + encodeURIComponent(ca.id) + "/certificates" + query);
    button.disabled = false;
    if (!result.ok) {
      // The rows shown stay, and so does the button: the same page can be asked for again.
      outcome.textContent = "Could not load more: " + errorOf(result);
      return;
    }
    outcome.textContent = "";
    for (const certificate of result.body.certificates) body.appendChild(issuedRow(certificate));
    shown += result.body.certificates.length;
    next = result.body.next;
    showCount();
    more.hidden = !next;
  });
  wrap.appendChild(more);
  return wrap;
}

function issuedRow(certificate) {
  const row = element("tr", null, "status-" + certificate.status);
  const serial = element("th", shortHex(certificate.serialNumber, 16), "serial");
  serial.scope = "row";
  serial.title = certificate.serialNumber;
  row.appendChild(serial);
  row.appendChild(element("td", certificate.profile, "profile"));
  const all = [certificate.commonName].concat(certificate.dnsNames, certificate.ipAddresses, certificate.uris, certificate.emails);
  const unique = all.filter(function (name, index) {
    return name && all.indexOf(name) === index;
  });
  row.appendChild(element("td", unique.length > 0 ? unique.join(", ") : "None", unique.length > 0 ? "names-cell" : "muted"));
  const until = element("td", null, "until-cell");
  const time = element("time", day(certificate.notAfter));
  time.dateTime = certificate.notAfter;
  until.appendChild(time);
  row.appendChild(until);
  row.appendChild(element("td", CERTIFICATE_STATUS_TEXT[certificate.status] || certificate.status, "cert-status state status-" + certificate.status));
  return row;
}

export default {
  id: "private-cas",
  title: "Private CAs",
  scope: "cas:read",
  async render(section) {
    let listed;
    try {
      listed = await allPages("/api/v1/cas", "cas");
    } catch (error) {
      section.append(problem("Could not load the private CAs: " + error.message));
      return;
    }
    const cas = listed.items;
    caNames.clear();
    for (const ca of cas) caNames.set(ca.id, ca.name);
    const pages = new Map();
    for (const ca of cas) {
      const result = await call("GET", "/api/v1/cas/" + encodeURIComponent(ca.id) + "/certificates?limit=" + CA_CERTIFICATE_LIMIT);
      pages.set(ca.id, result.ok ? result.body : { error: errorOf(result) });
    }
    say(cas.length === 0 ? "This team has no private CA yet." : count(cas.length, "private CA", "private CAs"));
    const list = element("div", null, "ca-list");
    for (const ca of cas) list.append(caBlock(ca, caNames, pages.get(ca.id)));
    section.append(list);
    section.append(element("p", "Each CA lists its certificates newest first, a page at a time: Show more loads the older ones. Its CA certificate and CRL are public, for relying parties.", "note"));
  },
};
`;
