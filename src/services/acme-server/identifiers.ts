/**
 * newOrder identifiers (RFC 8555 §7.4, §9.7.7; RFC 8738 for ip): DNS names lower-cased and de-duplicated, IP addresses
 * in canonical form, wildcards split as the
 * authorization shows them (§7.1.4: the value without "*.", `wildcard: true`), and the directory's policy: a name the
 * directory's `allowedNames` cover (`*.x` = exactly one label) or one the team holds, else `rejectedIdentifier`.
 */
import { AcmeServerProblem } from "../../acme-server/problems";
import type { Database } from "../../db/client";
import type { AcmeIdentifier } from "../../db/schema";
import { coversName } from "../../pki/name-coverage";
import { checkDnsName, checkIpAddress, MAX_NAMES } from "../../pki/private-ca";
import type { AcmeDirectoryRow } from "../../store/acme-server-directories";
import { unheldNames } from "../../store/domain-claims";

/** The order's identifiers, normalized; any malformed one is `malformed`, an unknown type `unsupportedIdentifier`. */
export function normalizeIdentifiers(input: unknown): AcmeIdentifier[] {
  if (!Array.isArray(input) || input.length === 0) throw new AcmeServerProblem("malformed", "identifiers must be a non-empty array (RFC 8555 §7.4)");
  if (input.length > MAX_NAMES) throw new AcmeServerProblem("rejectedIdentifier", `an order names at most ${MAX_NAMES} identifiers`);
  const out = new Map<string, AcmeIdentifier>();
  for (const item of input) {
    const { type, value } = (item ?? {}) as { type?: unknown; value?: unknown };
    if (typeof type !== "string" || typeof value !== "string") throw new AcmeServerProblem("malformed", 'each identifier is {"type", "value"} with strings');
    if (type === "dns") {
      const checked = checkDnsName(value, { allowWildcards: true });
      if ("why" in checked) {
        throw new AcmeServerProblem("rejectedIdentifier", `"${value.slice(0, 80)}" is not a valid DNS name: ${checked.why}`, { subproblems: [{ type: "malformed", detail: checked.why, identifier: { type, value: value.slice(0, 253) } }] });
      }
      out.set(`dns:${checked.name}`, { type: "dns", value: checked.name });
    } else if (type === "ip") {
      // RFC 8738 §3: the address in its textual form; kept in the canonical form the certificate's SAN will show.
      const checked = checkIpAddress(value);
      if ("why" in checked) throw new AcmeServerProblem("malformed", `"${value.slice(0, 80)}" is ${checked.why} (RFC 8738 §3)`);
      out.set(`ip:${checked.address}`, { type: "ip", value: checked.address });
    } else {
      throw new AcmeServerProblem("unsupportedIdentifier", `identifier type "${type.slice(0, 20)}" is not supported: use dns or ip`);
    }
  }
  return [...out.values()];
}

/** The authorization's identifier and wildcard flag for an order identifier (RFC 8555 §7.1.4). */
export function authorizationIdentifier(identifier: AcmeIdentifier): { identifier: AcmeIdentifier; wildcard: boolean } {
  if (identifier.type === "dns" && identifier.value.startsWith("*.")) return { identifier: { type: "dns", value: identifier.value.slice(2) }, wildcard: true };
  return { identifier, wildcard: false };
}

/**
 * `rejectedIdentifier` (with one subproblem per refused identifier, RFC 8555 §6.7.1) unless each identifier is covered
 * by the directory's patterns or held by the team (a verified claim; with DOMAIN_VERIFICATION=off, a claimed name). An
 * IP address (RFC 8738) is never held: the directory's `allowedNames` must list it.
 */
export async function requireAllowed(db: Database, directory: AcmeDirectoryRow, identifiers: readonly AcmeIdentifier[]): Promise<void> {
  const refused: AcmeIdentifier[] = identifiers.filter((id) => id.type === "ip" && !directory.allowedNames.includes(id.value));
  const rest = identifiers.filter((id) => id.type === "dns" && !coversName(directory.allowedNames, id.value)).map((id) => id.value);
  if (rest.length > 0) {
    const unheld = await db.all<{ name: string }>(unheldNames(directory.teamId, JSON.stringify(rest)));
    refused.push(...unheld.map(({ name }) => ({ type: "dns" as const, value: name })));
  }
  if (refused.length === 0) return;
  const why = (id: AcmeIdentifier) => (id.type === "dns" ? "neither allowed by this directory nor held by its team" : "not listed in this directory's allowedNames");
  throw new AcmeServerProblem("rejectedIdentifier", `this directory does not issue for ${refused.map((id) => id.value).join(", ")}: ${why(refused[0]!)}`, {
    subproblems: refused.map((identifier) => ({ type: "rejectedIdentifier", detail: why(identifier), identifier })),
  });
}
