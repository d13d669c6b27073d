/**
 * The dashboard script's "ACME directories" section (acme-server:read), spliced into `/dashboard.js` (routes/dashboard-script.ts):
 * each directory's issuer, authorization, allowed names and the URL to give an ACME client. EAB keys are not
 * fetched at all: their HMAC key is shown once, by the API, when a key is created.
 */
// Kept free of backticks and dollar-brace, as the script it joins; it uses that script's element, day and loadSection.
export const DASHBOARD_ACME_SCRIPT = `const acmeParts = {
  section: document.getElementById("acme-directories"),
  summary: document.getElementById("acme-directories-summary"),
  body: document.getElementById("acme-directory-rows"),
};
/** The names of the team's CAs the CA section loaded (cas:read), so a private issuer can be named; else its id alone. */
const caNames = new Map();

const AUTHORIZATION_TEXT = { "pre-approved": "Pre-approved", challenge: "Challenge (http-01, dns-01)" };

function issuerText(issuer) {
  if (issuer.type === "private") {
    const name = caNames.get(issuer.caId);
    const ca = name ? name + " (" + issuer.caId + ")" : issuer.caId;
    const hours = issuer.validityHours ? ", " + issuer.validityHours + " h" : "";
    return "Private CA " + ca + ", profile " + issuer.profile + hours;
  }
  if (issuer.type === "relay") {
    const through = issuer.challengeType === "dns-01" ? (issuer.dnsConnectionId ? " via " + issuer.dnsConnectionId : " via delegation") : "";
    return "Relay to the public CA, " + issuer.challengeType + through;
  }
  return String(issuer.type);
}

function acmeDirectoryRow(directory) {
  const row = element("tr");
  const name = element("th", directory.name);
  name.scope = "row";
  const url = element("td", null, "directory-url");
  // Selected whole with one click (user-select: all), for pasting into certbot --server or a ClusterIssuer.
  url.append(element("code", directory.directoryUrl, "copyable"));
  // allowedNames adds to the names the team holds; it never narrows them.
  const allowed = directory.allowedNames.length > 0 ? directory.allowedNames.join(", ") + "; and names the team holds" : "Names the team holds";
  row.append(
    name,
    element("td", issuerText(directory.issuer), "issuer"),
    element("td", AUTHORIZATION_TEXT[directory.authorization] || directory.authorization),
    element("td", allowed, directory.allowedNames.length > 0 ? "names-cell" : "muted"),
    url,
    element("td", day(directory.createdAt)),
  );
  return row;
}

function renderAcmeDirectories(directories) {
  acmeParts.summary.className = "";
  acmeParts.summary.textContent = directories.length === 0 ? "This team has no ACME directory yet." : directories.length === 1 ? "1 directory" : directories.length + " directories";
  acmeParts.body.replaceChildren(...directories.map(acmeDirectoryRow));
  acmeParts.section.hidden = false;
}
`;
