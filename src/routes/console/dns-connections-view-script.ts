/**
 * `/console/dns-connections.js`: the team's saved DNS connections (dns:read); with dns:write, adding one (the provider
 * lists its zones), rotating its credentials and removing it. Credentials are typed into password fields, sent once
 * and never shown: the API never answers them.
 */
import { DNS_PROVIDER_FORMS, moduleConstant } from "./form-fields";

// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const DNS_CONNECTIONS_VIEW_SCRIPT = `import { can, say, element, allPages, table, tableRow, problem, day, count, call, errorOf, apiPath, field, input, select, actionForm, disclosure, Refusal } from "./core.js";
import { confirmedAction, schemaFields } from "./write-actions.js";

/** Each provider and the credentials it takes, from the API's own schemas. */
const PROVIDERS = ${moduleConstant(DNS_PROVIDER_FORMS)};

function providerOf(name) {
  return PROVIDERS.find(function (provider) { return provider.name === name; });
}

function zonesText(connection) {
  return connection.zones.length > 0 ? connection.zones.join(", ") : "none listed";
}

/** The credential fields of a provider, rebuilt into holder whenever the provider changes. */
function credentialsPart(holder, providerName) {
  const provider = providerOf(providerName);
  const fields = schemaFields(provider ? provider.credentials : [], true, provider ? provider.label : "");
  holder.replaceChildren(...fields.nodes);
  return fields;
}

function newConnectionForm(added) {
  const name = input("text", "name");
  name.required = true;
  name.pattern = "[A-Za-z0-9][A-Za-z0-9._\\\\-]*";
  name.maxLength = 64;
  const provider = select(PROVIDERS.map(function (entry) { return [entry.name, entry.label]; }));
  const holder = element("fieldset", null, "credentials");
  holder.append(element("legend", "Credentials"));
  const inner = element("div");
  holder.append(inner);
  let credentials = credentialsPart(inner, provider.value);
  provider.addEventListener("change", function () {
    credentials = credentialsPart(inner, provider.value);
  });
  const form = actionForm("Create connection", [
    field("Connection name", name, "Letters, digits, '.', '_' or '-'; unique in the team."),
    field("Provider", provider),
    holder,
  ], async function () {
    const body = { name: name.value.trim(), provider: provider.value, credentials: credentials.values() };
    const result = await call("POST", "/api/v1/dns-connections", body);
    // The secrets leave the page with the request: never kept in the form, whatever the answer.
    credentials.clearSecrets();
    if (!result.ok) throw new Refusal("Not created: " + errorOf(result));
    added(result.body);
    name.value = "";
    return "Created " + result.body.name + "; the provider lists the zones " + zonesText(result.body);
  });
  return disclosure("New DNS connection", form);
}

function rotateForm(connection, changed) {
  const holder = element("div");
  const credentials = credentialsPart(holder, connection.provider);
  const form = actionForm("Save credentials", [holder], async function () {
    const result = await call("PATCH", apiPath("dns-connections", connection.id), { credentials: credentials.values() });
    credentials.clearSecrets();
    if (!result.ok) throw new Refusal("Not rotated: " + errorOf(result));
    changed(result.body);
    return "Credentials replaced; the provider lists the zones " + zonesText(result.body);
  });
  return disclosure("Rotate credentials", form);
}

function connectionRow(connection, removed) {
  const zones = element("span", zonesText(connection));
  const updated = element("span", day(connection.updatedAt));
  const actions = element("div", null, "row-actions");
  const row = tableRow([connection.name, connection.provider, zones, updated, element("code", connection.id), actions]);
  if (can("dns:write")) {
    actions.append(rotateForm(connection, function (changed) {
      zones.textContent = zonesText(changed);
      updated.textContent = day(changed.updatedAt);
    }));
    actions.append(confirmedAction({
      label: "Delete",
      about: connection.name,
      question: "Delete the DNS connection " + connection.name + "? Its sealed credentials are erased. The API refuses while a certificate still renews with it.",
      async run() {
        const result = await call("DELETE", apiPath("dns-connections", connection.id));
        // A 409 names the certificates that still use it: shown as the API says it.
        if (!result.ok) throw new Refusal("Not deleted: " + errorOf(result));
        row.remove();
        removed();
        say("Deleted " + connection.name);
        return "Deleted";
      },
    }));
  } else {
    actions.append(element("span", "None", "muted"));
  }
  return row;
}

export default {
  id: "dns-connections",
  title: "DNS connections",
  scope: "dns:read",
  async render(section) {
    let listed;
    try {
      listed = await allPages("/api/v1/dns-connections", "connections");
    } catch (error) {
      section.append(problem("Could not load the DNS connections: " + error.message));
      return;
    }
    let shown = listed.items.length;
    say(count(shown, "connection", "connections"));
    function removed() {
      shown -= 1;
    }
    const grid = table("The team's DNS connections, newest first.", ["Name", "Provider", "Zones", "Credentials last set", "Id", "Actions"]);
    if (can("dns:write")) {
      section.append(newConnectionForm(function (connection) {
        grid.body.prepend(connectionRow(connection, removed));
        shown += 1;
        say(count(shown, "connection", "connections"));
      }));
    }
    for (const connection of listed.items) grid.body.append(connectionRow(connection, removed));
    section.append(grid.wrap);
    section.append(element("p", "Credentials are sealed and never shown; give the id as dnsConnectionId to obtain a certificate over DNS-01.", "note"));
  },
};
`;
