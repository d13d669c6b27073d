/**
 * ACME server orders (RFC 8555 §7.4): newOrder under the directory's policy, authorizations created `valid` for a
 * `pre-approved` directory (still with well-formed challenges, which certbot reads) or `pending` for `challenge`.
 */
import { AcmeServerProblem } from "../../acme-server/problems";
import { newId } from "../../core/ids";
import { DAY_MS, HOUR_MS } from "../../core/time";
import { bytesToBase64Url } from "../../crypto/encoding";
import type { AcmeIdentifier } from "../../db/schema";
import { type NameConstraints, namesOutsideConstraints } from "../../pki/private-ca";
import type { AcmeServerAccountRow } from "../../store/acme-server-accounts";
import { type AcmeAuthorizationRow, type AcmeChallengeRow, type AcmeOrderRow, insertOrderStatements, moveOrder, orderById, orderReplacing, orderWithAuthorizationIds } from "../../store/acme-server-orders";
import { findTeamCa } from "../../store/certificate-authorities";
import { requireUnrevokedBinding } from "./accounts";
import { accountActor, type AcmeServerContext } from "./context";
import { authorizationIdentifier, normalizeIdentifiers, requireAllowed, requireRelayable } from "./identifiers";
import { requestedValidity } from "./order-validity";

/** How long a client has to finish an order, and how long a pending authorization waits (Boulder's and Pebble's order of magnitude). */
const ORDER_LIFETIME_MS = 7 * DAY_MS;
/** How long a valid authorization stays valid. */
const VALID_AUTHORIZATION_MS = 30 * DAY_MS;

/** RFC 8555 §8.1: a token of at least 128 bits of entropy, base64url; 256 bits here. */
export const challengeToken = () => bytesToBase64Url(crypto.getRandomValues(new Uint8Array(32)));

/** The issuing CA of a private directory, still able to sign; else the order cannot be served. */
async function issuingCa(ctx: AcmeServerContext) {
  const issuer = ctx.directory.issuer;
  if (issuer.type !== "private") throw new AcmeServerProblem("unauthorized", "this directory's issuer is not available");
  const ca = await findTeamCa(ctx.db, ctx.directory.teamId, issuer.caId);
  if (!ca || ca.status !== "active" || ca.notAfter <= ctx.now) throw new AcmeServerProblem("unauthorized", "this directory's CA is disabled or expired: it issues nothing");
  return { ca, issuer };
}

/** The CA's name constraints (and those above it) refuse these identifiers at order time, not at finalize. */
function requireInsideConstraints(path: NameConstraints[], identifiers: readonly AcmeIdentifier[]): void {
  const names = {
    dnsNames: identifiers.filter((id) => id.type === "dns").map((id) => id.value),
    ipAddresses: identifiers.filter((id) => id.type === "ip").map((id) => id.value),
    uris: [],
    emails: [],
  };
  const outside = namesOutsideConstraints(names, path);
  if (outside.length > 0) {
    throw new AcmeServerProblem("rejectedIdentifier", `outside the name constraints of this directory's CA: ${outside.slice(0, 10).join(", ")}`, {
      subproblems: identifiers.filter((id) => outside.includes(id.value)).map((identifier) => ({ type: "rejectedIdentifier", detail: "outside the CA's name constraints", identifier })),
    });
  }
}

export interface OrderWithAuthorizations {
  order: AcmeOrderRow;
  authorizationIds: string[];
}

export async function newOrder(ctx: AcmeServerContext, account: AcmeServerAccountRow, payload: unknown): Promise<OrderWithAuthorizations> {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) throw new AcmeServerProblem("malformed", "the payload must be a JSON object");
  const body = payload as Record<string, unknown>;
  await requireUnrevokedBinding(ctx, account);
  const identifiers = normalizeIdentifiers(body.identifiers);
  const validity = requestedValidity(ctx.directory.issuer, body, ctx.now);
  if (body.profile !== undefined && body.profile !== (ctx.directory.issuer as { profile?: string }).profile) {
    throw new AcmeServerProblem("invalidProfile", `this directory issues only the profile it advertises in meta.profiles`);
  }
  if (body.replaces !== undefined && (typeof body.replaces !== "string" || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(body.replaces))) {
    throw new AcmeServerProblem("malformed", "replaces must be an ARI certificate identifier, <AKI>.<serial> (RFC 9773 §5)");
  }
  if (typeof body.replaces === "string" && (await orderReplacing(ctx.db, ctx.directory.id, body.replaces))) {
    throw new AcmeServerProblem("alreadyReplaced", "another order already replaces that certificate (RFC 9773 §5)");
  }
  await requireAllowed(ctx.db, ctx.directory, identifiers);
  if (ctx.directory.issuer.type === "relay") {
    requireRelayable(ctx.directory.issuer, identifiers);
  } else {
    const { ca, issuer } = await issuingCa(ctx);
    requireInsideConstraints(ca.constraintsPath as unknown as NameConstraints[], identifiers);
    // The window's end (notAfter, or notBefore plus the directory's validity) must fall within the CA's life.
    const ends = validity.notAfter ?? (validity.notBefore !== null ? validity.notBefore + issuer.validityHours * HOUR_MS : null);
    if (ends !== null && ends > ca.notAfter) throw new AcmeServerProblem("malformed", `the requested validity ends after this directory's CA expires (${new Date(ca.notAfter).toISOString()})`);
  }

  const preApproved = ctx.directory.authorization === "pre-approved";
  const order: AcmeOrderRow = {
    id: newId("acmo"),
    directoryId: ctx.directory.id,
    accountId: account.id,
    teamId: account.teamId,
    status: preApproved ? "ready" : "pending",
    identifiers,
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    expiresAt: ctx.now + ORDER_LIFETIME_MS,
    error: null,
    certificateId: null,
    certificateSerial: null,
    replaces: (body.replaces as string | undefined) ?? null,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  const authorizations: AcmeAuthorizationRow[] = [];
  const challenges: AcmeChallengeRow[] = [];
  for (const item of identifiers) {
    const { identifier, wildcard } = authorizationIdentifier(item);
    const authorization: AcmeAuthorizationRow = {
      id: newId("acmz"),
      orderId: order.id,
      accountId: account.id,
      directoryId: ctx.directory.id,
      teamId: account.teamId,
      identifier,
      wildcard,
      status: preApproved ? "valid" : "pending",
      expiresAt: ctx.now + (preApproved ? VALID_AUTHORIZATION_MS : ORDER_LIFETIME_MS),
      createdAt: ctx.now,
      updatedAt: ctx.now,
    };
    authorizations.push(authorization);
    // RFC 8555 §7.1.4 / §8.3: a wildcard is proven over DNS only; http-01 needs a DNS name (RFC 8738 §7: not an IP).
    const types: ("http-01" | "dns-01")[] = wildcard ? ["dns-01"] : identifier.type === "ip" ? ["http-01"] : ["http-01", "dns-01"];
    for (const type of types) {
      challenges.push({
        id: newId("acmc"),
        authorizationId: authorization.id,
        type,
        token: challengeToken(),
        status: preApproved ? "valid" : "pending",
        validatedAt: preApproved ? ctx.now : null,
        error: null,
        attempts: 0,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      });
    }
  }
  await ctx.commitAs(accountActor(account.id))({
    teamId: account.teamId,
    statements: insertOrderStatements(ctx.db, order, authorizations, challenges),
    target: order.id,
    detail: { directoryId: ctx.directory.id, identifiers: identifiers.map((id) => id.value), status: order.status },
  });
  return { order, authorizationIds: authorizations.map((row) => row.id) };
}

/** The account's order `id` (another account's is `unauthorized`), expired on read when its time is past. */
export async function requireOrder(ctx: AcmeServerContext, account: AcmeServerAccountRow, id: string): Promise<OrderWithAuthorizations> {
  const found = await orderWithAuthorizationIds(ctx.db, id);
  if (!found || found.order.directoryId !== ctx.directory.id) throw new AcmeServerProblem("malformed", `no order ${id.slice(0, 64)} in this directory`);
  if (found.order.accountId !== account.id) throw new AcmeServerProblem("unauthorized", "this order belongs to another account");
  return { order: await expireIfDue(ctx, found.order), authorizationIds: found.authorizationIds };
}

/** A non-final order past its `expires` reads as invalid (RFC 8555 §7.1.6), and is stored so. */
async function expireIfDue(ctx: AcmeServerContext, order: AcmeOrderRow): Promise<AcmeOrderRow> {
  if (order.expiresAt > ctx.now || order.status === "valid" || order.status === "invalid") return order;
  const error = { type: "urn:ietf:params:acme:error:malformed", detail: "the order expired before it was finalized", status: 400 };
  const [moved] = await moveOrder(ctx.db, order.id, order.status, { status: "invalid", error, updatedAt: ctx.now });
  return moved ?? (await orderById(ctx.db, order.id)) ?? order;
}
