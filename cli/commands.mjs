/** `certdesk login`, `certificates`, `obtain` and `renew`: each answers the lines to print. */
import { apiRequest, listCertificates } from "./api.mjs";
import { normalizeUrl, saveConfig } from "./config.mjs";
import { UsageError } from "./errors.mjs";

/** Everything piped on stdin (the token, kept out of the process list and the shell's history). */
async function readStdin() {
  if (process.stdin.isTTY) throw new UsageError("give the token with --token or on stdin: `certdesk login --url <url> < token-file`");
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8").trim();
}

export async function loginCommand({ url, token }) {
  if (!url) throw new UsageError("login needs --url <url>");
  const secret = token ?? (await readStdin());
  if (!secret) throw new UsageError("login needs a token (--token, or on stdin)");
  const path = saveConfig(normalizeUrl(url), secret);
  return [`Saved the server and token to ${path} (mode 0600)`];
}

/** A text table: a header row, then the rows, each column as wide as its widest cell. */
function table(header, rows) {
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column].length)));
  return [header, ...rows].map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join("  ").trimEnd());
}

/** Like `certbot certificates`, one line each: names, expiry, days left and status, soonest expiry first. */
export async function certificatesCommand(connection) {
  const certificates = await listCertificates(connection);
  if (certificates.length === 0) return ["No certificates."];
  certificates.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
  const rows = certificates.map((certificate) => [
    certificate.names.join(","),
    certificate.expiresAt,
    String(certificate.daysLeft),
    certificate.status.toUpperCase(),
    certificate.type === "custom" ? "uploaded" : certificate.autoRenew ? "acme, auto-renew" : "acme",
    certificate.projectId ?? "(team)",
  ]);
  return table(["NAMES", "EXPIRES", "DAYS LEFT", "STATUS", "TYPE", "PROJECT"], rows);
}

/** What an obtain or renew answered, in one line. */
function issuedLines(projectId, body) {
  if (body.pending) return [`${projectId}: ${body.message}`];
  if (body.dryRun) return [`${projectId}: ${body.message}: ${body.validated.join(", ")}`];
  const { domain, expiresAt, issuer } = body.certificate;
  return [`${projectId}: certificate for ${domain} from ${issuer}, expires ${expiresAt}`];
}

export async function obtainCommand(connection, options) {
  if (!options.email) throw new UsageError("obtain needs --email <address> (the ACME account's contact)");
  const challengeType = options.challenge ?? "http-01";
  if (challengeType !== "http-01" && challengeType !== "dns-01") throw new UsageError("--challenge must be http-01 or dns-01");
  const body = {
    email: options.email,
    challengeType,
    ...(options["dns-connection"] ? { dnsConnectionId: options["dns-connection"] } : {}),
    ...(options["dns-delegation"] ? { dnsDelegation: true } : {}),
    ...(options["key-type"] ? { keyType: options["key-type"] } : {}),
    ...(options.staging ? { staging: true } : {}),
    ...(options["dry-run"] ? { dryRun: true } : {}),
  };
  const { body: answer } = await apiRequest(connection, "POST", `/projects/${encodeURIComponent(options.project)}/certificate/obtain`, body);
  return issuedLines(options.project, answer);
}

export async function renewCommand(connection, { project }) {
  const { body } = await apiRequest(connection, "POST", `/projects/${encodeURIComponent(project)}/certificate/renew`);
  return issuedLines(project, body);
}
