/**
 * `/console/certificate-actions.js`: what the token may do with a project's certificate, on the project's page.
 * Each action shows only when the token's scopes allow it: a read-only token sees no button that can only fail.
 */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const CERTIFICATE_ACTIONS_SCRIPT = `import { can, element, actionButton, outcomeLine, call, errorOf, apiPath, day } from "./core.js";

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

/** The actions for this project's certificate, in the order a team needs them. */
export async function renderCertificateActions(container, context) {
  const certificate = context.certificate;
  if (!can("projects:write")) return;
  if (certificate && certificate.type === "custom") {
    container.append(element("p", "Uploaded certificates are not renewed here: upload the successor you get from its CA.", "note"));
  } else if (certificate && !certificate.revokedAt) {
    container.append(renewAction(context));
  }
}
`;
