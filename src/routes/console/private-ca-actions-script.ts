/**
 * `/console/private-ca-actions.js`: what the Private CAs view lets a token do: create a root or an intermediate and
 * disable a CA (cas:write), issue a certificate from a pasted CSR and revoke one (cas:issue). The CA's key is made and
 * kept by the service; a CSR's requester keeps its own.
 */
import { REVOCATION_REASONS } from "../../acme/certificate";
import { LEAF_PROFILES } from "../../pki/private-ca/profiles";
import { moduleConstant } from "./form-fields";

// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const PRIVATE_CA_ACTIONS_SCRIPT = `import { element, call, errorOf, apiPath, field, input, select, actionForm, disclosure, day, shortHex, Refusal } from "./core.js";
import { confirmedAction, showWhile } from "./write-actions.js";

const PROFILES = ${moduleConstant(LEAF_PROFILES)};
/** RFC 5280 §5.3.1 reasonCode names, as the API takes them. */
const REASONS = ${moduleConstant(Object.keys(REVOCATION_REASONS))};

function listOf(text) {
  return text.split(/[\\s,]+/).filter(Boolean);
}

function numberOrNothing(control, label) {
  const raw = control.value.trim();
  if (raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Refusal(label + " must be a whole number");
  return value;
}

/** New private CA: a root, or an intermediate under one of the team's active CAs; added(ca) shows it. */
export function newCaForm(cas, added) {
  const name = input("text", "name");
  name.required = true;
  const kind = select([["root", "Root"], ["intermediate", "Intermediate"]]);
  const parents = cas.filter(function (ca) { return ca.status === "active"; });
  const parent = select(parents.map(function (ca) { return [ca.id, ca.name]; }));
  const parentField = field("Parent CA", parent, "The active CA that signs it.");
  const commonName = input("text", "commonName");
  commonName.required = true;
  const organization = input("text", "organization");
  const keyType = select([["ec", "EC (P-256)"], ["rsa", "RSA (3072)"]]);
  const validity = input("number", "validityDays");
  validity.min = "1";
  validity.max = "10950";
  validity.placeholder = "3650";
  const pathLength = input("number", "pathLength");
  pathLength.min = "0";
  pathLength.max = "10";
  const permitted = input("text", "permittedDnsDomains");
  permitted.placeholder = "corp.example, lab.example";
  showWhile(kind, [["intermediate", parentField, parent]]);
  const form = actionForm("Create CA", [
    field("CA name", name, "Letters, digits, '.', '_' or '-'; unique in the team."),
    field("Kind", kind),
    parentField,
    field("Common name", commonName, "The CA certificate's subject CN."),
    field("Organization", organization, "Optional."),
    field("Key type", keyType),
    field("Validity in days", validity, "Optional: 3650 by default, at most 10950."),
    field("Path length", pathLength, "Optional: how many CAs may sit below it (RFC 5280 §4.2.1.9)."),
    field("Permitted DNS domains", permitted, "Optional name constraint (RFC 5280 §4.2.1.10): its certificates may name only these domains and their subdomains."),
  ], async function () {
    const subject = { commonName: commonName.value.trim() };
    if (organization.value.trim()) subject.organization = organization.value.trim();
    const body = { name: name.value.trim(), kind: kind.value, subject: subject, keyType: keyType.value };
    if (kind.value === "intermediate") body.parentId = parent.value;
    const days = numberOrNothing(validity, "Validity in days");
    if (days !== undefined) body.validityDays = days;
    const length = numberOrNothing(pathLength, "Path length");
    if (length !== undefined) body.pathLength = length;
    if (permitted.value.trim()) body.nameConstraints = { permittedDnsDomains: listOf(permitted.value) };
    const result = await call("POST", "/api/v1/cas", body);
    if (!result.ok) throw new Refusal("Not created: " + errorOf(result));
    added(result.body);
    // The new CA can sign an intermediate next.
    const option = element("option", result.body.name);
    option.value = result.body.id;
    parent.append(option);
    return "Created " + result.body.kind + " CA " + result.body.name + " (SHA-256 " + shortHex(result.body.fingerprintSha256, 16) + ")";
  });
  return disclosure("New private CA", form);
}

/** Disable: the CA issues nothing more; its CRL stays served. */
export function disableAction(ca, disabled) {
  return confirmedAction({
    label: "Disable",
    about: ca.name,
    question: "Disable " + ca.name + "? It issues nothing more and cannot be enabled again; its CRL stays served and its certificates can still be revoked.",
    async run() {
      const result = await call("POST", apiPath("cas", ca.id, "disable"));
      if (!result.ok) throw new Refusal("Not disabled: " + errorOf(result));
      disabled(result.body);
      return "Disabled " + ca.name;
    },
  });
}

/** Issue from a CSR: the requester keeps its key; the CSR's names are used when the form names none. */
export function issueForm(ca, issued) {
  const csr = element("textarea");
  csr.name = "csr";
  csr.required = true;
  csr.spellcheck = false;
  csr.placeholder = "-----BEGIN CERTIFICATE REQUEST-----";
  const profile = select(PROFILES.map(function (name) { return [name, name]; }));
  const dnsNames = input("text", "dnsNames");
  const hours = input("number", "validityHours");
  hours.min = "1";
  const result = element("div", null, "issued-result");
  const form = actionForm("Issue certificate", [
    field("CSR (PEM)", csr, "A PKCS#10 request; its signature is checked."),
    field("Profile", profile, "server: TLS server; client: TLS client; server-client: both."),
    field("DNS names", dnsNames, "Optional, comma-separated: else the CSR's subjectAltName."),
    field("Validity in hours", hours, "Optional: 90 days by default; 168 hours or less is short-lived (no CRL, not revocable)."),
  ], async function () {
    result.replaceChildren();
    const body = { profile: profile.value, csr: csr.value.trim() };
    if (dnsNames.value.trim()) body.dnsNames = listOf(dnsNames.value);
    const validity = numberOrNothing(hours, "Validity in hours");
    if (validity !== undefined) body.validityHours = validity;
    const answer = await call("POST", apiPath("cas", ca.id, "certificates"), body);
    if (!answer.ok) throw new Refusal("Not issued: " + errorOf(answer));
    const certificate = answer.body;
    issued(certificate);
    csr.value = "";
    const pem = element("div", null, "pem");
    pem.append(element("p", "The certificate, then its chain (PEM):"), element("pre", certificate.certificate + certificate.chain, "copyable"));
    result.append(pem);
    return "Issued serial " + shortHex(certificate.serialNumber, 16) + ", valid until " + day(certificate.notAfter);
  });
  const wrap = element("div");
  wrap.append(form, result);
  return disclosure("Issue from a CSR", wrap);
}

/** Revoke, with a reason (RFC 5280 §5.3.1); the CA's CRL is re-signed with it at once. */
export function revokeAction(ca, certificate, revoked) {
  const reason = select(REASONS.map(function (name) { return [name, name]; }));
  const serial = shortHex(certificate.serialNumber, 16);
  return confirmedAction({
    label: "Revoke",
    about: "certificate " + serial,
    question: "Revoke certificate " + serial + "? Its CA's CRL lists it at once; this cannot be undone.",
    fields: [field("Reason", reason)],
    async run() {
      const result = await call("POST", apiPath("cas", ca.id, "certificates", certificate.id, "revoke"), { reason: reason.value });
      if (!result.ok) throw new Refusal("Not revoked: " + errorOf(result));
      revoked(result.body);
      return "Revoked (" + result.body.revocationReason + ")";
    },
  });
}
`;
