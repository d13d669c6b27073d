/**
 * `/console/acme-directories.js`: the team's ACME server directories (acme-server:read): each one's issuer,
 * authorization, allowed names and the URL to give an ACME client; with acme-server:write, a new directory. Each
 * directory's EAB keys are listed when asked for (acme-directory-actions.js); an HMAC key shows only when it is made.
 */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const ACME_DIRECTORIES_VIEW_SCRIPT = `import { can, say, element, allPages, problem, day, count, table } from "./core.js";
import { caNames } from "./private-cas.js";
import { newDirectoryForm, eabKeysBlock } from "./acme-directory-actions.js";

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

export default {
  id: "acme-directories",
  title: "ACME directories",
  scope: "acme-server:read",
  async render(section) {
    let listed;
    try {
      listed = await allPages("/api/v1/acme-directories", "directories");
    } catch (error) {
      section.append(problem("Could not load the ACME directories: " + error.message));
      return;
    }
    const directories = listed.items;
    const namesNeeded = caNames.size === 0 && directories.some(function (directory) { return directory.issuer.type === "private"; });
    let cas = null;
    if (can("cas:read") && (namesNeeded || can("acme-server:write"))) {
      // A private issuer is named by its CA's name when the token may read the CAs; else by its id alone. The new
      // directory form offers the CAs by name.
      try {
        cas = (await allPages("/api/v1/cas", "cas")).items;
        for (const ca of cas) caNames.set(ca.id, ca.name);
      } catch {
        // The ids stand in for the names.
      }
    }
    say(directories.length === 0 ? "This team has no ACME directory yet." : count(directories.length, "directory", "directories"));
    const grid = table(null, ["Name", "Issuer", "Authorization", "Allowed names", "Directory URL", "Created"]);
    grid.body.replaceChildren(...directories.map(acmeDirectoryRow));
    const keys = element("div", null, "eab-list");
    keys.replaceChildren(...directories.map(eabKeysBlock));
    if (can("acme-server:write")) {
      section.append(newDirectoryForm(cas, function (directory) {
        directories.unshift(directory);
        grid.body.prepend(acmeDirectoryRow(directory));
        keys.prepend(eabKeysBlock(directory));
        say(count(directories.length, "directory", "directories"));
      }));
    }
    section.append(grid.wrap);
    section.append(element("p", "Give the directory URL to an ACME client (certbot --server, lego --server, Caddy acme_ca) with an EAB key of the directory: its HMAC key is shown once, when it is made, never again.", "note"));
    section.append(keys);
  },
};
`;
