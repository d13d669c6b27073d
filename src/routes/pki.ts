/**
 * `GET /pki/:caId/crl` and `GET /pki/:caId/ca.crt`: what relying parties fetch from the URLs a private CA writes into
 * its certificates (CRL distribution point, AIA caIssuers; RFC 5280 §4.2.1.13, §4.2.2.1). Unauthenticated, DER.
 *
 * Freshness: the CRL is read from D1's primary (app.ts: no replica for `/pki/`), where a revocation stores its
 * re-signed CRL in the same batch, and kept in the isolate's memory and the location's Cache API for at most 10 s from
 * that read (pki-cache.ts; a revocation forgets both where it ran); `Cache-Control: public, max-age=<seconds left of
 * those 10>` lets edge caches and clients keep a CRL no longer either. So a revocation shows everywhere within 10 s.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "../core/errors";
import { base64ToBytes } from "../crypto/encoding";
import { pemToDer } from "../pki";
import { findCaById } from "../store/certificate-authorities";
import { cachedCrl, PKI_MAX_AGE_SECONDS, rememberCrl, rememberedCrl } from "./pki-cache";
import { newRouter } from "./router";

/** Hono throws when asked for an execution context it was not given (a direct app.request). */
function executionContextOf(c: { executionCtx: Pick<ExecutionContext, "waitUntil"> }): Pick<ExecutionContext, "waitUntil"> | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

/** Where the routes live: app.ts reads D1's primary for these paths. */
export const PKI_PATH = "/pki/";
/** Seconds an edge cache or client may keep an answer: a revocation shows within this (kept in pki-cache.ts, which needs it too). */
export { PKI_MAX_AGE_SECONDS };

const caIdParam = z.object({ caId: z.string().min(1).max(64).regex(/^ca_[A-Za-z0-9]+$/, "must be a CA id").describe("The CA's id (`ca_…`)") });

const der = (type: string, description: string) => ({ description, content: { [type]: { schema: z.string().openapi({ format: "binary" }) } } });

function derResponse(bytes: Uint8Array<ArrayBuffer>, type: string): Response {
  return new Response(bytes, {
    headers: { "Content-Type": type, "Cache-Control": `public, max-age=${PKI_MAX_AGE_SECONDS}`, "Content-Length": String(bytes.length) },
  });
}

export const pkiRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/pki/{caId}/crl",
      summary: "A private CA's CRL (DER, RFC 5280 §5), public",
      description:
        "Signed by the CA; cRLNumber grows with each new CRL; nextUpdate at most 7 days on. Re-signed on every revocation and daily by the cron. " +
        `Served with \`Cache-Control: public, max-age=${PKI_MAX_AGE_SECONDS}\`: a revocation shows within ${PKI_MAX_AGE_SECONDS} seconds. Short-lived certificates are never listed.`,
      tags: ["PKI"],
      // Public on purpose: relying parties fetch these with no credentials (RFC 5280 §4.2.1.13, §4.2.2.1).
      security: [],
      request: { params: caIdParam },
      responses: { 200: der("application/pkix-crl", "The CRL"), 404: { description: "No such CA" } },
    }),
    async (c) => {
      const { caId } = c.req.valid("param");
      const origin = new URL(c.req.url).origin;
      // index.ts answers most hits ahead of the app; a request that reaches the app directly (app.request) checks too.
      const cached = rememberedCrl(caId) ?? (await cachedCrl(origin, caId));
      if (cached) return cached;
      const readAt = Date.now();
      const ca = await findCaById(c.var.deps.db, caId);
      // Never kept: an unknown CA is asked of D1 each time (a CA made later is found at once).
      if (!ca) throw new AppError("not_found", "No such CA");
      const der = base64ToBytes(ca.crlDer);
      rememberCrl(executionContextOf(c), origin, caId, der, readAt);
      return derResponse(der, "application/pkix-crl");
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/pki/{caId}/ca.crt",
      summary: "A private CA's certificate (DER), public",
      description: `The AIA caIssuers target of the certificates it issues (RFC 5280 §4.2.2.1). \`Cache-Control: public, max-age=${PKI_MAX_AGE_SECONDS}\`.`,
      tags: ["PKI"],
      // Public on purpose: relying parties fetch these with no credentials (RFC 5280 §4.2.1.13, §4.2.2.1).
      security: [],
      request: { params: caIdParam },
      responses: { 200: der("application/pkix-cert", "The CA certificate"), 404: { description: "No such CA" } },
    }),
    async (c) => {
      const ca = await findCaById(c.var.deps.db, c.req.valid("param").caId);
      if (!ca) throw new AppError("not_found", "No such CA");
      return derResponse(pemToDer(ca.certificatePem) as Uint8Array<ArrayBuffer>, "application/pkix-cert");
    },
  );
