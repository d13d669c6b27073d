/** Every script module of the console by its file name under `/console/`: the entry, the shared core, helpers and views. */
import { ACME_DIRECTORY_ACTIONS_SCRIPT } from "./acme-directory-actions-script";
import { ADMIN_CONTROLS_SCRIPT } from "./admin-controls-script";
import { APP_SCRIPT } from "./app-script";
import { CERTIFICATE_ACTIONS_SCRIPT } from "./certificate-actions-script";
import { CERTIFICATE_EXPORT_SCRIPT } from "./certificate-export-script";
import { CERTIFICATE_OBTAIN_SCRIPT } from "./certificate-obtain-script";
import { CORE_SCRIPT } from "./core-script";
import { PRIVATE_CA_ACTIONS_SCRIPT } from "./private-ca-actions-script";
import { PROJECT_DETAIL_SCRIPT } from "./project-detail-script";
import { CONSOLE_VIEWS } from "./views";
import { WRITE_ACTIONS_SCRIPT } from "./write-actions-script";

export const CONSOLE_MODULES: ReadonlyMap<string, string> = new Map([
  ["app.js", APP_SCRIPT],
  ["core.js", CORE_SCRIPT],
  ["project-detail.js", PROJECT_DETAIL_SCRIPT],
  ["certificate-actions.js", CERTIFICATE_ACTIONS_SCRIPT],
  ["admin-controls.js", ADMIN_CONTROLS_SCRIPT],
  ["certificate-obtain.js", CERTIFICATE_OBTAIN_SCRIPT],
  ["certificate-export.js", CERTIFICATE_EXPORT_SCRIPT],
  ["write-actions.js", WRITE_ACTIONS_SCRIPT],
  ["private-ca-actions.js", PRIVATE_CA_ACTIONS_SCRIPT],
  ["acme-directory-actions.js", ACME_DIRECTORY_ACTIONS_SCRIPT],
  ...CONSOLE_VIEWS.map((view): [string, string] => [view.file, view.script]),
]);
