/** The Hono app: middleware, the three API surfaces, the ACME challenge route, docs. */
import { HTTPException } from "hono/http-exception";
import type { Context } from "hono";
import type { AppBindings } from "./http/context";
import { depsFrom } from "./deps";
import { BOOKMARK_HEADER, openRequestSession } from "./http/d1-session";
import { changesNothing } from "./http/read-only";
import { limitBodySize } from "./http/body-limit";
import { AppError, toAppError } from "./core/errors";
import { requestId } from "./http/request-id";
import { securityHeaders } from "./http/security-headers";
import { renderError } from "./http/surfaces";
import { mountDocs } from "./routes/docs";
import { homeRoutes } from "./routes/home";
import { metricsRoutes } from "./routes/metrics";
import { certificateRoutes } from "./routes/native/certificate";
import { certificateAcmeRoutes } from "./routes/native/certificate-acme";
import { dnsDelegationRoutes } from "./routes/native/dns-delegation";
import { certificateExportRoutes } from "./routes/native/certificate-export";
import { certificatesInventoryRoutes } from "./routes/native/certificates-inventory";
import { certificatesSummaryRoutes } from "./routes/native/certificates-summary";
import { adminTestRoutes } from "./routes/native/admin-test";
import { deployTargetRoutes } from "./routes/native/deploy-targets";
import { adminRoutes } from "./routes/native/admin";
import { adminDomainRoutes } from "./routes/native/admin-domains";
import { adminTokenRoutes } from "./routes/native/admin-tokens";
import { auditRoutes } from "./routes/native/audit";
import { caPublishRoutes } from "./routes/native/ca-publish";
import { clientCertificateIssueRoutes } from "./routes/native/client-certificate-issue";
import { projectRoutes } from "./routes/native/projects";
import { teamRoutes } from "./routes/native/teams";
import { tokenRoutes } from "./routes/native/tokens";
import { webhookRoutes } from "./routes/native/webhooks";
import { dnsConnectionRoutes } from "./routes/native/dns-connections";
import { privateCaRoutes } from "./routes/native/private-cas";
import { acmeDirectoryRoutes } from "./routes/native/acme-directories";
import { privateCaCertificateRoutes } from "./routes/native/private-ca-certificates";
import { PKI_PATH, pkiRoutes } from "./routes/pki";
import { acmeServerRoutes } from "./routes/acme-server";
import { ACME_PATH } from "./services/acme-server/linker";
import { newRouter } from "./routes/router";
import { openaiRoutes } from "./routes/openai";
import { vercelRoutes } from "./routes/vercel";
import { CHALLENGE_PATH, wellKnownRoutes } from "./routes/well-known";
import { malformedJsonMessage } from "./http/malformed-json";

/** Hono's own 4xx (malformed JSON, wrong Content-Type) keep their status with a clear message. */
async function fromHttpException(error: HTTPException, c: Context<AppBindings>): Promise<AppError> {
  if (error.status === 415) {
    return new AppError("unsupported_media_type", "Content-Type must be application/json");
  }
  if (error.status === 400) {
    if (!/malformed json/i.test(error.message)) return new AppError("invalid_json", error.message || "Bad request");
    // Hono's json() parses the text it cached, so the body can be read again here to say where it broke.
    const text = await c.req.text().catch(() => null);
    return new AppError("invalid_json", malformedJsonMessage(text));
  }
  return new AppError(error.status >= 500 ? "internal" : "bad_request", error.message || "Request failed", {
    status: error.status,
  });
}

/** The "at …" lines of a stack, without the message, however many lines the message has. */
const stackFrames = (error: Error) => (error.stack ?? "").split("\n").map((line) => line.trim()).filter((line) => line.startsWith("at "));

export async function handleError(error: unknown, c: Context<AppBindings>): Promise<Response> {
  const appError = error instanceof HTTPException ? await fromHttpException(error, c) : toAppError(error);
  if (appError.status >= 500 && !(error instanceof AppError)) {
    // Log the failure's kind and where, never its values: errors from crypto code can quote input.
    const name = error instanceof Error ? error.name : typeof error;
    // Frames only: a message may span lines (a failed query's second line lists its parameters).
    const where = error instanceof Error ? stackFrames(error).slice(0, 3).join(" | ") : "";
    console.error(`request ${c.get("requestId") ?? "-"} ${c.req.method} ${c.req.path} failed: ${name} ${where}`);
  }
  return renderError(c, appError);
}

/** The ACME server's routes (routes/acme-server), whose queries all go to the primary (see provideDeps). */
const ACME_SERVER_PREFIX = `${ACME_PATH}/`;

export function createApp() {
  const app = newRouter();
  // Outermost, so that every answer gets the headers: errors, 404s and 413s included.
  app.use(securityHeaders());
  app.use(requestId());
  app.use(async function provideDeps(c, next) {
    const shared = depsFrom(c.env);
    // The HTTP-01 route reads the primary, as it does when answered ahead of the app (index.ts): the CA's request
    // carries no bookmark, and the row it needs was written moments ago, maybe not yet on a nearby replica.
    // So do a private CA's public routes: a revocation's CRL must be served at once (routes/pki.ts), and no replica lags it.
    // And the ACME server's: an ACME client sends no bookmark back (RFC 8555 defines no such header), and reads its
    // own writes (a finalize, then the certificate) on the next request, so the primary answers every query there; no
    // session is built, and no `SELECT 1` probes the primary for a bookmark nobody returns.
    const path = c.req.path;
    if (path.startsWith(CHALLENGE_PATH) || path.startsWith(PKI_PATH) || path.startsWith(ACME_SERVER_PREFIX)) {
      c.set("deps", shared);
      return next();
    }
    // Everything is the isolate's but the database client: this request's D1 session (read replication and the
    // x-d1-bookmark header, http/d1-session.ts). A malformed bookmark is a 400 here, before anything runs.
    const session = openRequestSession(c.env.DB, shared.db, c.req.method, c.req.header(BOOKMARK_HEADER), changesNothing(c.req.method, path));
    c.set("deps", { ...shared, db: session.db });
    await next();
    const bookmark = await session.bookmark();
    if (bookmark !== null) c.header(BOOKMARK_HEADER, bookmark);
  });
  app.route("/", wellKnownRoutes);
  app.get("/health", (c) => c.json({ ok: true }));
  app.use("*", limitBodySize());
  const native = newRouter()
    .route("/", teamRoutes)
    .route("/", tokenRoutes)
    .route("/", projectRoutes)
    .route("/", certificateRoutes)
    .route("/", certificateAcmeRoutes)
    .route("/", dnsDelegationRoutes)
    .route("/", certificateExportRoutes)
    .route("/", certificatesSummaryRoutes)
    .route("/", certificatesInventoryRoutes)
    .route("/", deployTargetRoutes)
    .route("/", webhookRoutes)
    .route("/", dnsConnectionRoutes)
    .route("/", privateCaRoutes)
    .route("/", privateCaCertificateRoutes)
    .route("/", acmeDirectoryRoutes)
    .route("/", adminRoutes)
    .route("/", adminTokenRoutes)
    .route("/", adminDomainRoutes)
    .route("/", adminTestRoutes)
    .route("/", auditRoutes)
    .route("/", clientCertificateIssueRoutes)
    .route("/", caPublishRoutes);
  app.route("/api/v1", native);
  app.route("/", vercelRoutes);
  app.route("/", openaiRoutes);
  app.route("/", metricsRoutes);
  app.route("/", pkiRoutes);
  app.route("/", acmeServerRoutes);
  mountDocs(app);
  app.route("/", homeRoutes);
  app.notFound((c) => renderError(c, new AppError("not_found", `No route for ${c.req.method} ${c.req.path}`)));
  app.onError(handleError);
  return app;
}
