/** The ACME server (RFC 8555) under `/acme/:directoryId/…`: one route table; the work is in services/acme-server. */
import { requirePostAsGet } from "../../acme-server/jws-verify";
import { verifyKeyChange } from "../../acme-server/key-change";
import { AcmeServerProblem } from "../../acme-server/problems";
import { changeAccountKey, newAccount, updateAccount } from "../../services/acme-server/accounts";
import { certificateChainPem, renewalInfo, revokeCertificate } from "../../services/acme-server/certificates";
import { finalizeOrder } from "../../services/acme-server/finalize";
import { finalizeRelayedOrder } from "../../services/acme-server/relay";
import { emitPrivateCertificateEvent } from "../../services/webhooks/private-ca-events";
import { forgetCrl } from "../pki-cache";
import { newOrder, requireOrder } from "../../services/acme-server/orders";
import { accountOrders, takeOrderAllowance } from "../../services/acme-server/order-list";
import { deactivateAuthorization, requireAuthorization, respondToChallenge } from "../../services/acme-server/authorizations";
import { accountView, authorizationView, challengeView, orderView } from "../../services/acme-server/views";
import { accountRequest, acmeContext, acmeErrorHandler, countedAs, newAcmeRouter, problemResponse, RETRY_AFTER_SECONDS, verifiedRequest, type AcmeContext } from "./context";

/** draft-aaron-acme-profiles: what each private-CA profile issues. */
const PROFILE_DESCRIPTIONS: Record<string, string> = {
  server: "TLS server certificates (extendedKeyUsage serverAuth)",
  client: "TLS client certificates (extendedKeyUsage clientAuth)",
  "server-client": "certificates for TLS servers and clients (serverAuth and clientAuth)",
};

/** Where validation resolves and fetches (DOH_RESOLVER_URL; ACME_SERVER_HTTP01_PORT in tests). */
function validationSettings(c: AcmeContext) {
  const { DOH_RESOLVER_URL, ACME_SERVER_HTTP01_PORT } = c.var.deps.config;
  return { resolverUrl: DOH_RESOLVER_URL, ...(ACME_SERVER_HTTP01_PORT !== undefined ? { http01Port: ACME_SERVER_HTTP01_PORT } : {}) };
}

function directoryDocument(c: AcmeContext) {
  const { link, directory } = c.var.acme;
  const profile = directory.issuer.type === "private" ? directory.issuer.profile : undefined;
  return {
    newNonce: link.newNonce(),
    newAccount: link.newAccount(),
    newOrder: link.newOrder(),
    revokeCert: link.revokeCert(),
    keyChange: link.keyChange(),
    renewalInfo: link.renewalInfo(),
    meta: {
      externalAccountRequired: true,
      ...(profile ? { profiles: { [profile]: PROFILE_DESCRIPTIONS[profile] ?? profile } } : {}),
    },
  };
}

const json = (c: AcmeContext, body: unknown, status: 200 | 201 = 200, headers: Record<string, string> = {}) => c.json(body, status, headers);

/** The path's account must be the signer's (RFC 8555 §7.3.2): another account's URL is `unauthorized`. */
function requireOwnAccount(c: AcmeContext, accountId: string) {
  if (c.req.param("id") !== accountId) throw new AcmeServerProblem("unauthorized", "the account URL is not the signer's account");
}

export const acmeServerRoutes = newAcmeRouter()
  .use("/acme/:directoryId/*", acmeContext)
  .get("/acme/:directoryId/directory", (c) => json(c, directoryDocument(c)))
  // RFC 8555 §7.2: HEAD answers 200, GET 204; the nonce is added by acmeContext as on every answer.
  .get("/acme/:directoryId/new-nonce", (c) => c.body(null, c.req.method === "HEAD" ? 200 : 204))
  .post("/acme/:directoryId/new-nonce", (c) => c.body(null, 200))
  .post("/acme/:directoryId/new-account", async (c) => {
    const { verified } = await verifiedRequest(c, "jwk");
    const ctx = c.var.acme;
    const { created, account } = await newAccount(ctx, verified);
    return json(c, accountView(ctx.link, account), created ? 201 : 200, { Location: ctx.link.account(account.id) });
  })
  .post("/acme/:directoryId/acct/:id", async (c) => {
    const { verified, account } = await accountRequest(c);
    requireOwnAccount(c, account.id);
    const ctx = c.var.acme;
    return json(c, accountView(ctx.link, await updateAccount(ctx, account, verified)), 200, { Location: ctx.link.account(account.id) });
  })
  .post("/acme/:directoryId/acct/:id/orders", async (c) => {
    const { verified, account } = await accountRequest(c);
    requirePostAsGet(verified);
    requireOwnAccount(c, account.id);
    const page = await accountOrders(c.var.acme, account, c.req.query("cursor"));
    return json(c, { orders: page.orders }, 200, page.next ? { Link: `<${page.next}>;rel="next"` } : {});
  })
  .post("/acme/:directoryId/new-order", countedAs("newOrder"), async (c) => {
    const { verified, account } = await accountRequest(c);
    const ctx = c.var.acme;
    await takeOrderAllowance(c.var.deps, account);
    const { order, authorizationIds } = await newOrder(ctx, account, verified.payload);
    return json(c, orderView(ctx.link, order, authorizationIds), 201, { Location: ctx.link.order(order.id) });
  })
  .post("/acme/:directoryId/order/:id", async (c) => {
    const { verified, account } = await accountRequest(c);
    requirePostAsGet(verified);
    const ctx = c.var.acme;
    const { order, authorizationIds } = await requireOrder(ctx, account, c.req.param("id"));
    const retry: Record<string, string> = order.status === "pending" || order.status === "processing" ? { "Retry-After": RETRY_AFTER_SECONDS } : {};
    return json(c, orderView(ctx.link, order, authorizationIds), 200, retry);
  })
  .post("/acme/:directoryId/order/:id/finalize", countedAs("finalize"), async (c) => {
    const { verified, account } = await accountRequest(c);
    const ctx = c.var.acme;
    const { order, authorizationIds } = await requireOrder(ctx, account, c.req.param("id"));
    if (ctx.directory.issuer.type === "relay") {
      // The public CA's work goes on in the issuer; the client polls the order meanwhile (RFC 8555 §7.4).
      const relayed = await finalizeRelayedOrder(c.var.deps, ctx, account, order, verified.payload);
      const retry: Record<string, string> = relayed.status === "processing" ? { "Retry-After": RETRY_AFTER_SECONDS } : {};
      return json(c, orderView(ctx.link, relayed, authorizationIds), 200, { Location: ctx.link.order(order.id), ...retry });
    }
    const finalized = await finalizeOrder(ctx, account, order, verified.payload);
    await emitPrivateCertificateEvent(c.var.deps, "certificate.issued", finalized.certificate);
    return json(c, orderView(ctx.link, finalized.order, authorizationIds), 200, { Location: ctx.link.order(order.id) });
  })
  .post("/acme/:directoryId/authz/:id", async (c) => {
    const { verified, account } = await accountRequest(c);
    const ctx = c.var.acme;
    let found = await requireAuthorization(ctx, account, c.req.param("id"));
    if (verified.payload !== undefined) found = await deactivateAuthorization(ctx, account, found, verified.payload);
    const retry: Record<string, string> = found.authorization.status === "pending" ? { "Retry-After": RETRY_AFTER_SECONDS } : {};
    return json(c, authorizationView(ctx.link, found.authorization, found.challenges), 200, retry);
  })
  .post("/acme/:directoryId/chall/:id", async (c) => {
    const { verified, account } = await accountRequest(c);
    const ctx = c.var.acme;
    const { challenge, authorizationId } = await respondToChallenge(ctx, account, c.req.param("id"), verified, (work) => c.executionCtx.waitUntil(work), validationSettings(c));
    const headers: Record<string, string> = { Link: `<${ctx.link.authorization(authorizationId)}>;rel="up"` };
    if (challenge.status === "processing" || challenge.status === "pending") headers["Retry-After"] = RETRY_AFTER_SECONDS;
    return json(c, challengeView(ctx.link, challenge), 200, headers);
  })
  .post("/acme/:directoryId/cert/:id", async (c) => {
    const { verified, account } = await accountRequest(c);
    requirePostAsGet(verified);
    const ctx = c.var.acme;
    const { order } = await requireOrder(ctx, account, c.req.param("id"));
    if (order.status !== "valid") throw new AcmeServerProblem("malformed", "the order has no certificate yet");
    return c.body(await certificateChainPem(ctx, order), 200, { "Content-Type": "application/pem-certificate-chain" });
  })
  .post("/acme/:directoryId/revoke-cert", countedAs("revokeCert"), async (c) => {
    const { verified, account } = await verifiedRequest(c, "either");
    const revocation = await revokeCertificate(c.var.acme, verified, account, c.var.deps);
    // A relayed certificate's event was sent by the API's revocation it went through.
    if (revocation.kind === "private") {
      const { ca, certificate, reason } = revocation;
      // As the API's revoke route does: this location's cached CRL goes at once (routes/pki-cache.ts), and subscribers hear of it.
      await forgetCrl([ca.publicOrigin, new URL(c.req.url).origin], ca.id);
      await emitPrivateCertificateEvent(c.var.deps, "certificate.revoked", certificate, { reason, revokedAt: new Date(certificate.revokedAt!).toISOString() });
    }
    return c.body(null, 200);
  })
  .post("/acme/:directoryId/key-change", async (c) => {
    const { verified, account } = await accountRequest(c);
    const ctx = c.var.acme;
    const next = await verifyKeyChange(verified);
    const result = await changeAccountKey(ctx, account, next);
    // RFC 8555 §7.3.5: a key another account holds is a 409 naming that account.
    if (result.conflict) {
      const conflict = problemResponse(c, new AcmeServerProblem("malformed", "another account already uses the new key"), 409);
      conflict.headers.set("Location", ctx.link.account(result.conflict.id));
      return conflict;
    }
    return json(c, accountView(ctx.link, result.account), 200, { Location: ctx.link.account(account.id) });
  })
  .get("/acme/:directoryId/renewal-info/:certId", async (c) => {
    const window = await renewalInfo(c.var.acme, c.req.param("certId"));
    if (!window) return problemResponse(c, new AcmeServerProblem("malformed", "this directory issued no certificate with that identifier"), 404);
    // RFC 9773 §4.3: poll again in about six hours.
    return c.json({ suggestedWindow: { start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString() } }, 200, { "Retry-After": "21600" });
  })
  .all("/acme/:directoryId/*", (c) => problemResponse(c, new AcmeServerProblem("malformed", `no ACME resource at ${new URL(c.req.url).pathname}`), 404))
  .onError(acmeErrorHandler);
