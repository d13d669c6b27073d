/**
 * `/console/certificate-actions.js`: what the token may do with a project's certificate, on the project's page:
 * validate and upload, obtain (certificate-obtain.js), renew, revoke, export (certificate-export.js).
 * Each action shows only when the token's scopes allow it: a read-only token sees no button that can only fail.
 */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const CERTIFICATE_ACTIONS_SCRIPT = `import { can, element, actionButton, outcomeLine, call, errorOf, apiPath, day, untilText, field, input, select, disclosure } from "./core.js";
import { obtainForm } from "./certificate-obtain.js";
import { exportAction } from "./certificate-export.js";

// A PEM bundle is a few KiB; the API refuses more than 64 KiB. A bigger file is not what was meant, and not read.
const MAX_FILE_BYTES = 256 * 1024;

/**
 * The RFC 5280 §5.3.1 CRLReason codes a subscriber may give (the revoke route's schema: those only a CA asserts, such
 * as cACompromise, are left out), with what each means to the person choosing.
 */
const REVOCATION_REASONS = [
  ["unspecified", "Unspecified"],
  ["keyCompromise", "Key compromise: the private key may be known to someone else"],
  ["superseded", "Superseded: replaced by another certificate"],
  ["affiliationChanged", "Affiliation changed: the name's owner or details changed"],
  ["cessationOfOperation", "Cessation of operation: the name is no longer served"],
];

/** Says how an action went in its outcome line, marked as an error when it failed. */
function tell(outcome, text, isError) {
  outcome.textContent = text;
  outcome.className = isError ? "outcome error" : "outcome";
}

function renewAction(context) {
  const wrap = element("div", null, "action");
  const button = actionButton("Renew", context.project.domain);
  const outcome = outcomeLine();
  button.addEventListener("click", async function () {
    button.disabled = true;
    outcome.textContent = "Renewing…";
    const result = await call("POST", apiPath("projects", context.project.id, "certificate", "renew"));
    button.disabled = false;
    if (result.status === 200) {
      outcome.textContent = "Renewed: now valid until " + day(result.body.certificate.expiresAt);
      await context.reload();
    } else if (result.status === 202) {
      outcome.textContent = result.body.message;
    } else {
      outcome.textContent = "Not renewed: " + errorOf(result);
    }
  });
  wrap.append(button, outcome);
  return wrap;
}

/** Revoke, then a second button that says what it does: revocation cannot be undone, so it takes two steps. */
function revokeAction(context) {
  const domain = context.project.domain;
  const wrap = element("div", null, "action revoke");
  const reason = select(REVOCATION_REASONS);
  const first = actionButton("Revoke", domain);
  const outcome = outcomeLine();
  const confirmation = element("div", null, "confirm");
  confirmation.hidden = true;
  const warning = element("p", "The CA will list this certificate as revoked at once, and that cannot be undone: servers still using it will fail for clients that check. Obtain or upload its successor first.", "note");
  const confirm = element("button", "Revoke " + domain + " now", "danger");
  confirm.type = "button";
  const cancel = actionButton("Keep it", domain);
  confirmation.append(warning, confirm, cancel);
  first.addEventListener("click", function () {
    confirmation.hidden = false;
    outcome.textContent = "";
    confirm.focus();
  });
  cancel.addEventListener("click", function () {
    confirmation.hidden = true;
    first.focus();
  });
  confirm.addEventListener("click", async function () {
    confirm.disabled = true;
    tell(outcome, "Revoking…", false);
    const result = await call("POST", apiPath("projects", context.project.id, "certificate", "revoke"), { reason: reason.value });
    confirm.disabled = false;
    if (!result.ok) {
      tell(outcome, "Not revoked: " + errorOf(result), true);
      return;
    }
    outcome.textContent = result.body.message;
    await context.reload();
  });
  wrap.append(field("Revocation reason", reason), first, confirmation, outcome);
  return wrap;
}

function pemArea(name) {
  const area = element("textarea");
  area.name = name;
  area.rows = 8;
  area.spellcheck = false;
  area.autocomplete = "off";
  return area;
}

/** A file input that puts the picked file's text into area (File.text(): read in the page, sent nowhere by itself). */
function filePicker(area, outcome) {
  const picker = input("file");
  picker.accept = ".pem,.crt,.cer,.key,.txt";
  picker.addEventListener("change", async function () {
    const file = picker.files && picker.files[0];
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      tell(outcome, file.name + " is " + Math.round(file.size / 1024) + " KiB: a PEM file is a few KiB; pick the right file.", true);
    } else {
      area.value = await file.text();
    }
    // The text is in the field now; the file itself stays picked nowhere.
    picker.value = "";
  });
  return picker;
}

/** The validate route's report as a sentence: what the certificate covers and until when, or why it is refused. */
function reportText(result) {
  const report = result.body;
  if (!report || typeof report.valid !== "boolean") return { text: "Not valid: " + errorOf(result), ok: false };
  if (!report.valid) return { text: "Not valid: " + (report.error || errorOf(result)), ok: false };
  let text = "Valid for " + report.names.join(", ") + ". " + untilText(report.expiresAt) + ", issued by " + report.issuer + ", key " + report.keyType + ".";
  if (report.warnings.length > 0) text += " Warnings: " + report.warnings.join(" ");
  return { text: text + " Nothing is stored until you upload.", ok: true };
}

/**
 * Paste or pick the certificate (with its chain) and its key; Validate shows the API's verdict before anything is
 * stored, Upload stores it. The key goes only into these two requests to this API, and is cleared once stored.
 */
function uploadForm(context) {
  const domain = context.project.domain;
  const form = element("form", null, "action-form upload");
  const outcome = outcomeLine();
  const certificate = pemArea("certificate");
  const key = pemArea("privateKey");
  const validate = element("button", "Validate");
  validate.type = "submit";
  validate.append(element("span", " the certificate for " + domain, "visually-hidden"));
  const upload = actionButton("Upload", "the certificate for " + domain);
  form.append(
    field("Certificate and chain (PEM)", certificate, "The leaf certificate, then its intermediates; or pick the file below."),
    field("Certificate file", filePicker(certificate, outcome)),
    field("Private key (PEM)", key, "PKCS#8, PKCS#1 or SEC1, not encrypted. It is sent only to this service, and this field is cleared once the certificate is stored."),
    field("Private key file", filePicker(key, outcome)),
    validate,
    upload,
    outcome,
  );
  /** Sends what the fields hold to the validate or upload route, the button held down meanwhile; null when a field is empty. */
  const send = async function (button, route, working) {
    const body = { certificate: certificate.value.trim(), privateKey: key.value.trim() };
    if (!body.certificate || !body.privateKey) {
      tell(outcome, "Paste or pick both the certificate and its private key first.", true);
      return null;
    }
    button.disabled = true;
    tell(outcome, working, false);
    const result = await call("POST", apiPath("projects", context.project.id, "certificate", route), body);
    button.disabled = false;
    return result;
  };
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const result = await send(validate, "validate", "Validating…");
    if (!result) return;
    const said = reportText(result);
    tell(outcome, said.text, !said.ok);
  });
  upload.addEventListener("click", async function () {
    const result = await send(upload, "upload", "Uploading…");
    if (!result) return;
    if (!result.ok) {
      tell(outcome, "Not uploaded: " + errorOf(result), true);
      return;
    }
    key.value = "";
    certificate.value = "";
    tell(outcome, "Uploaded: " + untilText(result.body.certificate.expiresAt), false);
    await context.reload();
  });
  return disclosure("Bring your own certificate", form);
}

/** The actions for this project's certificate, in the order a team needs them. */
export async function renderCertificateActions(container, context) {
  const certificate = context.certificate;
  const live = certificate && !certificate.revokedAt;
  if (can("projects:write")) {
    if (!context.project.domain) {
      container.append(element("p", "Set the project's domain to obtain or upload a certificate for it.", "note"));
    } else {
      if (certificate && certificate.type === "custom") {
        container.append(element("p", "Uploaded certificates are not renewed here: upload the successor you get from its CA (or obtain one from the CA here, which then renews on its own).", "note"));
      } else if (live) {
        container.append(renewAction(context), revokeAction(context));
      }
      container.append(await obtainForm(context), uploadForm(context));
    }
  }
  if (live && can("certificates:export")) container.append(exportAction(context));
}
`;
