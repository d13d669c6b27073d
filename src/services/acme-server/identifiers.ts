/**
 * newOrder identifiers (RFC 8555 §7.4, §9.7.7; RFC 8738 for ip): DNS names lower-cased and de-duplicated, IP addresses
 * in canonical form, wildcards split as the
 * authorization shows them (§7.1.4: the value without "*.", `wildcard: true`), and the directory's policy: a name the
 * directory's `allowedNames` cover (`*.x` = exactly one label) or one the team holds, else `rejectedIdentifier`; a relay
 * directory takes only names the team holds, since the public CA issues them on the team's account.
 */
import { AcmeServerProblem } from "../../acme-server/problems";
import type { Database } from "../../db/client";
import type { AcmeDirectoryIssuer, AcmeIdentifier } from "../../db/schema";
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
  // A relay directory issues only names the team holds (the public CA validates them); it has no patterns of its own.
  const patterns = directory.issuer.type === "relay" ? [] : directory.allowedNames;
  const refused: AcmeIdentifier[] = identifiers.filter((id) => id.type !== "dns" && !(id.type === "ip" && patterns.includes(id.value)));
  const rest = identifiers.filter((id) => id.type === "dns" && !coversName(patterns, id.value)).map((id) => id.value);
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

/** A relay over http-01 cannot prove a wildcard (RFC 8555 §7.1.3: the public CA validates those over DNS only). */
export function requireRelayable(issuer: Extract<AcmeDirectoryIssuer, { type: "relay" }>, identifiers: readonly AcmeIdentifier[]): void {
  if (issuer.challengeType !== "http-01") return;
  const wildcards = identifiers.filter((id) => id.value.startsWith("*."));
  if (wildcards.length === 0) return;
  throw new AcmeServerProblem("rejectedIdentifier", `this directory proves control over http-01, which cannot prove a wildcard: ${wildcards.map((id) => id.value).join(", ")}`, {
    subproblems: wildcards.map((identifier) => ({ type: "rejectedIdentifier", detail: "a wildcard needs a dns-01 relay directory", identifier })),
  });
}
