/**
 * `/console/acme-directory-actions.js`: creating an ACME directory (acme-server:write) and each directory's External
 * Account Binding keys (RFC 8555 §7.3.4): listed on request without their HMAC key (acme-server:read), made with the
 * key shown once beside ready-to-paste certbot and lego flags, and revoked after a confirmation (acme-server:write).
 */
import { LEAF_PROFILES } from "../../pki/private-ca/profiles";
import { moduleConstant } from "./form-fields";

// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const ACME_DIRECTORY_ACTIONS_SCRIPT = `import { can, element, actionButton, outcomeLine, call, errorOf, apiPath, field, input, select, actionForm, disclosure, day, table, tableRow, Refusal } from "./core.js";
import { confirmedAction, shownOnce, showWhile } from "./write-actions.js";

const PROFILES = ${moduleConstant(LEAF_PROFILES)};

/** New ACME directory: a private CA's issuer or a relay to the public CA, and how orders are authorized. */
export function newDirectoryForm(cas, added) {
  const name = input("text", "name");
  name.required = true;
  const type = select([["private", "A private CA of the team"], ["relay", "Relay to the public CA"]]);
  // The CA by name when the token may read the CAs; else its id, typed.
  const active = (cas || []).filter(function (ca) { return ca.status === "active"; });
  const caControl = cas ? select(active.map(function (ca) { return [ca.id, ca.name]; })) : input("text", "caId");
  const profile = select(PROFILES.map(function (entry) { return [entry, entry]; }));
  const hours = input("number", "validityHours");
  hours.min = "1";
  hours.placeholder = "2160";
  const privatePart = element("fieldset", null, "issuer-private");
  privatePart.append(element("legend", "Private CA issuer"), field(cas ? "CA" : "CA id", caControl, cas ? "An active CA; an intermediate is best." : "The CA's id (ca_…)."), field("Profile", profile), field("Validity in hours", hours, "Optional: 2160 (90 days) by default."));
  const challenge = select([["http-01", "http-01"], ["dns-01", "dns-01"]]);
  const connection = input("text", "dnsConnectionId");
  const delegation = input("checkbox", "dnsDelegation");
  const relayPart = element("fieldset", null, "issuer-relay");
  relayPart.append(
    element("legend", "Relay issuer"),
    field("Challenge type", challenge, "How Certdesk proves control of the names to the public CA."),
    field("DNS connection id", connection, "dns-01: the saved connection (dnc_…) that writes the TXT records."),
    field("Use the delegation zone", delegation, "dns-01: each name's _acme-challenge CNAME points to the deployment's delegation zone."),
  );
  const authorization = select([["pre-approved", "Pre-approved (names the team holds and the allowed names)"], ["challenge", "Challenge (the client proves control: http-01, dns-01)"]]);
  const allowed = input("text", "allowedNames");
  allowed.placeholder = "*.svc.internal.example, build.internal.example";
  showWhile(type, [["private", privatePart, caControl], ["relay", relayPart]]);
  const form = actionForm("Create directory", [
    field("Directory name", name, "Letters, digits, '.', '_' or '-'; unique in the team."),
    field("Issuer", type),
    privatePart,
    relayPart,
    field("Authorization", authorization),
    field("Allowed names", allowed, "Optional, comma-separated: names (or *.name) and IP addresses allowed besides the names the team holds."),
  ], async function () {
    let issuer;
    if (type.value === "private") {
      issuer = { type: "private", caId: caControl.value.trim(), profile: profile.value };
      if (hours.value.trim()) issuer.validityHours = Number(hours.value);
    } else {
      issuer = { type: "relay", challengeType: challenge.value };
      if (connection.value.trim()) issuer.dnsConnectionId = connection.value.trim();
      if (delegation.checked) issuer.dnsDelegation = true;
    }
    const body = { name: name.value.trim(), issuer: issuer, authorization: authorization.value };
    const names = allowed.value.split(/[\\s,]+/).filter(Boolean);
    if (names.length > 0) body.allowedNames = names;
    const result = await call("POST", "/api/v1/acme-directories", body);
    if (!result.ok) throw new Refusal("Not created: " + errorOf(result));
    added(result.body);
    return "Created " + result.body.name + ": give ACME clients " + result.body.directoryUrl;
  });
  return disclosure("New ACME directory", form);
}

/** The commands that use a new EAB key, as a person pastes them (the flags of certbot and lego). */
function clientFlags(directory, key) {
  const list = element("ul", null, "facts client-flags");
  list.setAttribute("aria-label", "Ready to paste");
  const certbot = "certbot certonly --server " + directory.directoryUrl + " --eab-kid " + key.keyId + " --eab-hmac-key " + key.hmacKey + " --email you@example.com --agree-tos -d <name>";
  const lego = "lego --server " + directory.directoryUrl + " --eab --kid " + key.keyId + " --hmac " + key.hmacKey + " --email you@example.com --accept-tos --domains <name> --http run";
  for (const [label, line] of [["certbot", certbot], ["lego", lego]]) {
    const item = element("li");
    item.append(element("span", label + ": ", "constraint-label"), element("code", line, "copyable"));
    list.append(item);
  }
  return list;
}

function keyRow(directory, key) {
  const actions = element("div");
  const state = element("span", key.revokedAt ? "Revoked " + day(key.revokedAt) : key.accountId ? "Bound to " + key.accountId : "Unused", key.revokedAt ? "muted" : "");
  const row = tableRow([element("code", key.keyId), state, day(key.createdAt), actions]);
  if (!key.revokedAt && can("acme-server:write")) {
    actions.append(confirmedAction({
      label: "Revoke",
      about: "EAB key " + key.keyId,
      question: "Revoke EAB key " + key.keyId + "? No new account can be made with it, and its account can no longer order.",
      async run() {
        const result = await call("DELETE", apiPath("acme-directories", directory.id, "eab-keys", key.keyId));
        if (!result.ok) throw new Refusal("Not revoked: " + errorOf(result));
        state.textContent = "Revoked " + day(result.body.revokedAt);
        state.className = "muted";
        return "Revoked";
      },
    }));
  }
  return row;
}

/** A directory's EAB keys: listed when asked for (one request per directory only then), and a new one made. */
export function eabKeysBlock(directory) {
  const block = element("section", null, "eab-keys");
  block.setAttribute("aria-label", "EAB keys of " + directory.name);
  block.append(element("h3", "EAB keys of " + directory.name));
  const grid = table("EAB keys of " + directory.name + ", newest first; an HMAC key is never shown again.", ["Key id", "State", "Created", "Actions"]);
  grid.wrap.hidden = true;
  const listButton = actionButton("Show EAB keys", "of " + directory.name);
  listButton.setAttribute("aria-expanded", "false");
  const listOutcome = outcomeLine();
  async function load() {
    listButton.disabled = true;
    listOutcome.textContent = "Loading…";
    const result = await call("GET", apiPath("acme-directories", directory.id, "eab-keys"));
    listButton.disabled = false;
    if (!result.ok) {
      listOutcome.textContent = "Could not list them: " + errorOf(result);
      return;
    }
    grid.body.replaceChildren(...result.body.eabKeys.map(function (key) { return keyRow(directory, key); }));
    listOutcome.textContent = result.body.eabKeys.length === 0 ? "No EAB key yet." : "";
    grid.wrap.hidden = result.body.eabKeys.length === 0;
    listButton.setAttribute("aria-expanded", "true");
  }
  listButton.addEventListener("click", function () {
    if (listButton.getAttribute("aria-expanded") === "true") {
      grid.wrap.hidden = true;
      listOutcome.textContent = "";
      listButton.setAttribute("aria-expanded", "false");
      return;
    }
    load();
  });
  const controls = element("div", null, "action");
  controls.append(listButton);
  const once = element("div");
  if (can("acme-server:write")) {
    const create = actionButton("Create EAB key", "for " + directory.name);
    const outcome = outcomeLine();
    create.addEventListener("click", async function () {
      create.disabled = true;
      outcome.className = "outcome";
      outcome.textContent = "Making a key…";
      once.replaceChildren();
      const result = await call("POST", apiPath("acme-directories", directory.id, "eab-keys"));
      create.disabled = false;
      if (!result.ok) {
        outcome.textContent = "Not made: " + errorOf(result);
        outcome.className = "outcome error";
        return;
      }
      const key = result.body;
      outcome.textContent = "Made EAB key " + key.keyId + "; it binds the first ACME account made with it.";
      const shown = shownOnce("The HMAC key of " + key.keyId, key.hmacKey, "Key id " + key.keyId + ". Make a key per client or host.");
      shown.append(clientFlags(directory, key));
      once.append(shown);
      grid.body.prepend(keyRow(directory, key));
      if (listButton.getAttribute("aria-expanded") === "true") grid.wrap.hidden = false;
    });
    controls.append(create, outcome);
  }
  controls.append(listOutcome);
  block.append(controls, once, grid.wrap);
  return block;
}
`;
