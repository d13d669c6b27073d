/**
 * `/console/private-cas.js`: the team's private CAs (cas:read), each with its facts, name constraints and the first page
 * of its certificates ("Show more" asks for older ones). Its CA certificate and CRL are public, for relying parties.
 * The write actions (private-ca-actions.js) show only to a token that may take them.
 */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const PRIVATE_CAS_VIEW_SCRIPT = `import { can, say, element, call, errorOf, allPages, problem, day, count, shortHex, daysUntil, untilText, safeLink } from "./core.js";
import { newCaForm, disableAction, issueForm, revokeAction } from "./private-ca-actions.js";

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
  const status = element("li", CA_STATUS_TEXT[ca.status] || ca.status, "ca-status state status-" + ca.status);
  facts.appendChild(status);
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
  const issued = issuedTable(ca, page);
  if (ca.status === "active") {
    const actions = element("div", null, "ca-actions");
    if (can("cas:issue")) actions.appendChild(issueForm(ca, issued.add));
    if (can("cas:write")) {
      actions.appendChild(disableAction(ca, function (changed) {
        status.textContent = CA_STATUS_TEXT[changed.status] || changed.status;
        status.className = "ca-status state status-" + changed.status;
        block.className = "ca status-" + changed.status;
        // A disabled CA issues nothing more: its issue form goes; its certificates can still be revoked.
        for (const form of actions.querySelectorAll(".disclosure")) form.remove();
      }));
    }
    if (actions.children.length > 0) block.appendChild(actions);
  }
  block.appendChild(issued.node);
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

/** The CA's certificates, newest first; add(certificate) puts one just issued on top. */
function issuedTable(ca, page) {
  if (page.error) return { node: element("p", "Could not load its certificates: " + page.error, "error"), add: function () {} };
  const list = page.certificates;
  const node = element("div");
  const none = element("p", "No certificates issued yet.", "muted");
  const wrap = element("div", null, "table-wrap");
  const table = element("table", null, "issued");
  const caption = element("caption");
  table.appendChild(caption);
  const head = element("thead");
  const headRow = element("tr");
  const titles = ["Serial", "Profile", "Names", "Valid until", "Status"];
  if (can("cas:issue")) titles.push("Actions");
  for (const title of titles) {
    const cell = element("th", title);
    cell.scope = "col";
    headRow.appendChild(cell);
  }
  head.appendChild(headRow);
  table.appendChild(head);
  const body = element("tbody");
  for (const certificate of list) body.appendChild(issuedRow(ca, certificate));
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
    for (const certificate of result.body.certificates) body.appendChild(issuedRow(ca, certificate));
    shown += result.body.certificates.length;
    next = result.body.next;
    showCount();
    more.hidden = !next;
  });
  wrap.appendChild(more);
  wrap.hidden = list.length === 0;
  if (list.length === 0) node.append(none);
  node.append(wrap);
  function add(certificate) {
    body.prepend(issuedRow(ca, certificate));
    shown += 1;
    showCount();
    none.remove();
    wrap.hidden = false;
  }
  return { node: node, add: add };
}

function issuedRow(ca, certificate) {
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
  const status = element("td", CERTIFICATE_STATUS_TEXT[certificate.status] || certificate.status, "cert-status state status-" + certificate.status);
  row.appendChild(status);
  if (!can("cas:issue")) return row;
  const actions = element("td", null, "cert-actions");
  row.appendChild(actions);
  // A short-lived certificate has no CRL entry to get: it lapses at its notAfter (the API refuses its revocation).
  if (certificate.status === "active" && !certificate.shortLived) {
    actions.appendChild(revokeAction(ca, certificate, function (changed) {
      status.textContent = CERTIFICATE_STATUS_TEXT[changed.status] || changed.status;
      status.className = "cert-status state status-" + changed.status;
      row.className = "status-" + changed.status;
    }));
  } else if (certificate.shortLived && certificate.status === "active") {
    actions.appendChild(element("span", "Short-lived: lapses at its end", "muted"));
  }
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
    if (can("cas:write")) {
      section.append(newCaForm(cas, function (ca) {
        caNames.set(ca.id, ca.name);
        cas.unshift(ca);
        list.prepend(caBlock(ca, caNames, { certificates: [], next: null }));
        say(count(cas.length, "private CA", "private CAs"));
      }));
    }
    for (const ca of cas) list.append(caBlock(ca, caNames, pages.get(ca.id)));
    section.append(list);
    section.append(element("p", "Each CA lists its certificates newest first, a page at a time: Show more loads the older ones. Its CA certificate and CRL are public, for relying parties.", "note"));
  },
};
`;
