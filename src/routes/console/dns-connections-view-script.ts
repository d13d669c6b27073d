/** `/console/dns-connections.js`: the team's saved DNS connections (dns:read); their credentials are never shown. */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const DNS_CONNECTIONS_VIEW_SCRIPT = `import { say, element, allPages, table, tableRow, problem, day, count } from "./core.js";

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
    const connections = listed.items;
    say(count(connections.length, "connection", "connections"));
    const grid = table(null, ["Name", "Provider", "Zones", "Credentials last set", "Id"]);
    for (const connection of connections) {
      grid.body.append(tableRow([
        connection.name,
        connection.provider,
        connection.zones.length > 0 ? connection.zones.join(", ") : "none listed",
        day(connection.updatedAt),
        element("code", connection.id),
      ]));
    }
    section.append(grid.wrap);
    section.append(element("p", "Credentials are sealed and never shown; give the id as dnsConnectionId to obtain a certificate over DNS-01.", "note"));
  },
};
`;
