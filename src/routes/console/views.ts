/** The console's views in navigation order, and the file each is served as under `/console/`. */
import { ACME_DIRECTORIES_VIEW_SCRIPT } from "./acme-directories-view-script";
import { AUDIT_LOG_VIEW_SCRIPT } from "./audit-log-view-script";
import { CERTIFICATES_VIEW_SCRIPT } from "./certificates-view-script";
import { DEPLOY_TARGETS_VIEW_SCRIPT } from "./deploy-targets-view-script";
import { DNS_CONNECTIONS_VIEW_SCRIPT } from "./dns-connections-view-script";
import { PRIVATE_CAS_VIEW_SCRIPT } from "./private-cas-view-script";
import { PROJECTS_VIEW_SCRIPT } from "./projects-view-script";
import { TOKENS_VIEW_SCRIPT } from "./tokens-view-script";
import { WEBHOOKS_VIEW_SCRIPT } from "./webhooks-view-script";

export interface ConsoleView {
  /** The fragment route ("#/<id>") and the id the navigation link carries. */
  id: string;
  /** The navigation link's text: the accessible name people and tests find it by. */
  label: string;
  /** The module's name in the app script. */
  variable: string;
  file: string;
  script: string;
}

export const CONSOLE_VIEWS: readonly ConsoleView[] = [
  { id: "projects", label: "Projects", variable: "projects", file: "projects.js", script: PROJECTS_VIEW_SCRIPT },
  { id: "certificates", label: "Certificates", variable: "certificates", file: "certificates.js", script: CERTIFICATES_VIEW_SCRIPT },
  { id: "webhooks", label: "Webhooks", variable: "webhooks", file: "webhooks.js", script: WEBHOOKS_VIEW_SCRIPT },
  { id: "deploy-targets", label: "Deploy targets", variable: "deployTargets", file: "deploy-targets.js", script: DEPLOY_TARGETS_VIEW_SCRIPT },
  { id: "dns-connections", label: "DNS connections", variable: "dnsConnections", file: "dns-connections.js", script: DNS_CONNECTIONS_VIEW_SCRIPT },
  { id: "private-cas", label: "Private CAs", variable: "privateCas", file: "private-cas.js", script: PRIVATE_CAS_VIEW_SCRIPT },
  { id: "acme-directories", label: "ACME directories", variable: "acmeDirectories", file: "acme-directories.js", script: ACME_DIRECTORIES_VIEW_SCRIPT },
  { id: "tokens", label: "Tokens", variable: "tokens", file: "tokens.js", script: TOKENS_VIEW_SCRIPT },
  { id: "audit-log", label: "Audit log", variable: "auditLog", file: "audit-log.js", script: AUDIT_LOG_VIEW_SCRIPT },
];
