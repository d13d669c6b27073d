/**
 * `/console/certificate-obtain.js`: obtaining a project's certificate from the CA over HTTP-01, or DNS-01 with a saved
 * DNS connection or the operator's delegation (RFC 8555 §8.3, §8.4), and following an order that answers 202 to its end.
 */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const CERTIFICATE_OBTAIN_SCRIPT = `import { can, element, call, errorOf, apiPath, allPages, field, input, select, actionForm, disclosure, untilText, Refusal } from "./core.js";

// A pending order is looked at every 2 s for up to a minute: the status route is cheap, and Pebble or Let's Encrypt
// usually validate within seconds; after that the order goes on without the page.
const POLL_MS = 2000;
const POLL_LIMIT_MS = 60000;

const METHODS = [
  ["http-01", "HTTP-01: the CA fetches a file this service answers for the name"],
  ["dns-connection", "DNS-01 with a saved DNS connection"],
  ["dns-delegation", "DNS-01 through the delegation (the name's _acme-challenge CNAME)"],
];

const KEY_TYPES = [
  ["ec", "EC P-256"],
  ["rsa", "RSA 2048"],
];

function wait(ms) {
  return new Promise(function (resolve) {
    setTimeout(resolve, ms);
  });
}

/** The team's saved DNS connections to choose from (dns:read), else a field for a connection's id. */
async function connectionField() {
  if (can("dns:read")) {
    let listed = null;
    try {
      listed = await allPages("/api/v1/dns-connections", "connections");
    } catch {
      listed = null;
    }
    if (listed && listed.items.length > 0) {
      const choice = select(listed.items.map(function (connection) {
        return [connection.id, connection.name + " (" + connection.provider + ")"];
      }));
      return { control: choice, wrap: field("DNS connection", choice) };
    }
  }
  const text = input("text", "dnsConnectionId");
  text.placeholder = "dnc_…";
  return { control: text, wrap: field("DNS connection id", text, "A saved connection's id (DNS connections lists them)."), };
}

/** Follows an order the API answered 202 for, until the certificate changes, the order fails, or a minute passes. */
async function followOrder(context, before, outcome) {
  const started = Date.now();
  const project = context.project;
  while (Date.now() - started < POLL_LIMIT_MS) {
    await wait(POLL_MS);
    // The person left this page: nobody reads the answer, so stop asking.
    if (!outcome.isConnected) return null;
    const current = await call("GET", apiPath("projects", project.id, "certificate"));
    if (current.ok && current.body && current.body.serial !== before) {
      await context.reload();
      return "Obtained: " + untilText(current.body.expiresAt);
    }
    if (before === null) {
      const status = await call("GET", apiPath("projects", project.id, "certificate", "status"));
      if (status.ok && status.body.status === "failed") throw new Refusal("Not obtained: " + (status.body.lastRenewError || "the order failed"));
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    outcome.textContent = "The CA is validating " + project.domain + " and issuing (" + seconds + " s so far); this page looks again every 2 seconds.";
  }
  return "Not issued after a minute: the order goes on without this page. Reload it later to see the certificate, or the reason it failed.";
}

/** The obtain form (projects:write): how the CA checks the name, the account's email, the key type. */
export async function obtainForm(context) {
  const project = context.project;
  const email = input("email", "email");
  email.required = true;
  email.autocomplete = "email";
  const method = select(METHODS);
  const connection = await connectionField();
  connection.wrap.hidden = true;
  method.addEventListener("change", function () {
    connection.wrap.hidden = method.value !== "dns-connection";
  });
  const keyType = select(KEY_TYPES);
  const form = actionForm("Obtain", [
    field("Contact email", email, "The CA's account contact: it may write about this certificate (for example before it expires)."),
    field("Challenge", method, "HTTP-01 needs the name served by this service on port 80; DNS-01 also covers wildcards."),
    connection.wrap,
    field("Key type", keyType),
  ], async function (_form, outcome) {
    const body = { email: email.value.trim(), challengeType: method.value === "http-01" ? "http-01" : "dns-01", keyType: keyType.value };
    if (method.value === "dns-connection") {
      if (!connection.control.value.trim()) throw new Refusal("Choose or enter the DNS connection first.");
      body.dnsConnectionId = connection.control.value.trim();
    }
    if (method.value === "dns-delegation") body.dnsDelegation = true;
    const before = context.certificate ? context.certificate.serial : null;
    outcome.textContent = "Ordering from the CA…";
    const result = await call("POST", apiPath("projects", project.id, "certificate", "obtain"), body);
    if (result.status === 202) {
      outcome.textContent = "The CA is validating " + project.domain + "; this page looks again every 2 seconds.";
      return followOrder(context, before, outcome);
    }
    if (!result.ok) throw new Refusal("Not obtained: " + errorOf(result));
    await context.reload();
    return "Obtained: " + untilText(result.body.certificate.expiresAt);
  });
  form.querySelector("button[type=submit]").append(element("span", " a certificate for " + project.domain, "visually-hidden"));
  return disclosure("Order a certificate from the CA", form);
}
`;
