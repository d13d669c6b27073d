#!/usr/bin/env node
/** `certdesk`: the command line of the Certdesk native API (login, certificates, obtain, renew, export, sync). */
import { parseArgs } from "node:util";
import { certificatesCommand, loginCommand, obtainCommand, renewCommand } from "./commands.mjs";
import { configPath, loadConnection } from "./config.mjs";
import { EXIT, UsageError } from "./errors.mjs";
import { exportCommand, syncCommand } from "./live-files.mjs";

const HELP = `Usage: certdesk <command> [options]

Commands
  login --url <url> [--token <token>]   store the server and token; without --token, the token is read from stdin
                                        (better: an argument shows in the process list)
  certificates                          every certificate of the team: names, expiry, days left, status
  obtain --project <id> --email <addr> [--challenge http-01|dns-01] [--dns-connection <id>]
         [--dns-delegation] [--key-type rsa|ec] [--staging] [--dry-run]
  renew --project <id>                  renew the project's ACME certificate now
  export --project <id> --dir <dir>     write fullchain.pem, privkey.pem (0600), cert.pem, chain.pem into <dir>
  sync --project <id> --dir <dir> [--reload <command>]
                                        as export, only when the serial changed; then runs <command> in a shell
                                        (no output unless something changed or failed: made for cron and timers)

The key is exported only sealed (JWE, ECDH-ES + A256GCM) to a P-256 key generated once in <dir>/recipient.jwk (0600).
sync reads the project's certificate (scope projects:read) and exports (certificates:export) only when it changed.

Configuration: CERTDESK_URL and CERTDESK_TOKEN, each winning over ${configPath()} (written by login).

Exit codes
  0  done, or nothing to do
  1  a local failure (files, directories)
  2  wrong usage or no configuration
  3  the API refused (its message is printed) or could not be reached
  4  the reload hook failed (the new files are in place; the next sync runs the hook again)
`;

const COMMANDS = {
  login: { options: { url: { type: "string" }, token: { type: "string" } }, connect: false, run: loginCommand },
  certificates: { options: {}, run: certificatesCommand },
  obtain: {
    options: {
      project: { type: "string" },
      email: { type: "string" },
      challenge: { type: "string" },
      "dns-connection": { type: "string" },
      "dns-delegation": { type: "boolean" },
      "key-type": { type: "string" },
      staging: { type: "boolean" },
      "dry-run": { type: "boolean" },
    },
    required: ["project"],
    run: obtainCommand,
  },
  renew: { options: { project: { type: "string" } }, required: ["project"], run: renewCommand },
  export: { options: { project: { type: "string" }, dir: { type: "string" } }, required: ["project", "dir"], run: exportCommand },
  sync: {
    options: { project: { type: "string" }, dir: { type: "string" }, reload: { type: "string" } },
    required: ["project", "dir"],
    run: syncCommand,
  },
};

async function main(argv) {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"; \`certdesk --help\` lists them`);
  let values;
  try {
    ({ values } = parseArgs({ args: rest, options: { ...command.options, help: { type: "boolean", short: "h" } }, strict: true }));
  } catch (error) {
    throw new UsageError(`${name}: ${error.message}`);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  for (const option of command.required ?? []) {
    if (!values[option]) throw new UsageError(`${name} needs --${option}`);
  }
  const output = command.connect === false ? await command.run(values) : await command.run(loadConnection(), values);
  const lines = typeof output === "string" ? [output] : output;
  if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
  return EXIT.ok;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // Messages only, never a stack or a request: neither the token nor a key can appear in them.
  process.stderr.write(`certdesk: ${error.message}\n`);
  process.exitCode = error.exitCode ?? EXIT.failed;
}
