/**
 * `GET /metrics`: certificate expiry, renewal and readiness, renewal and ACME request counters, in the Prometheus text
 * format (services/metrics/). The operator token sees every team; a team token with `projects:read` its own team.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { AppError } from "../core/errors";
import { OPERATOR } from "../http/actor";
import { requireAdmin, requireScope } from "../http/auth";
import type { AppBindings } from "../http/context";
import { EXPOSITION_CONTENT_TYPE } from "../services/metrics/exposition";
import { SCRAPE_LIMITS, scrapeMetrics } from "../services/metrics/scrape";
import { bearerSecurity, nativeErrors, newRouter } from "./router";

/**
 * The operator secret, else a team token with `projects:read`. A token that is not the operator's gets exactly what
 * `requireScope` answers (401 for a missing, malformed, unknown or revoked token, 403 for a missing scope).
 */
function requireOperatorOrScope(): MiddlewareHandler<AppBindings> {
  const operator = requireAdmin();
  const team = requireScope("projects:read");
  return async function requireOperatorOrScope(c, next) {
    let isOperator = false;
    try {
      await operator(c, async () => {
        isOperator = true;
      });
    } catch (error) {
      if (!(error instanceof AppError && error.code === "unauthorized")) throw error;
    }
    // Awaited here, not returned: a refusal is then handled at once, never seen as an unhandled rejection in between.
    if (isOperator) await next();
    else await team(c, next);
  };
}

export const metricsRoutes = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics: certificate expiry, renewal and readiness; renewal and ACME request counters",
    description:
      "Prometheus text exposition format 0.0.4. Certificate gauges mirror cert-manager's " +
      "(`certdesk_certificate_expiration_timestamp_seconds`, `certdesk_certificate_renewal_timestamp_seconds`, " +
      "`certdesk_certificate_ready_status{condition}`), labelled `id`, `team`, `project`, `domain`, `type`, `issuer`; aggregates " +
      "that count every certificate by `team`, `type`, `issuer`, `status`: `certdesk_certificates_expiring{within}` (1d, 7d, 14d, 30d), " +
      "`certdesk_certificates_expired`, `certdesk_certificates_renewal_failing`, " +
      "`certdesk_certificates_earliest_expiration_timestamp_seconds`; counters: " +
      "`certdesk_renewal_attempts_total`, `certdesk_renewal_failures_total`, `certdesk_acme_requests_total`; gauges of deliveries that need " +
      "someone: `certdesk_deploy_targets_failing{team,kind}`, `certdesk_webhook_endpoints_disabled{team,by}`; and for the " +
      "operator alone `certdesk_cron_stage_failures_total{stage}`. The operator token sees every team, a team token with " +
      "`projects:read` its own team. At most METRICS_CERTIFICATE_SERIES certificates (default 1,000) get their own series, " +
      "those failing to renew and those nearest expiry first; `certdesk_metrics_truncated` says when others were left out.",
    tags: ["Monitoring"],
    security: bearerSecurity,
    middleware: [requireOperatorOrScope()],
    responses: {
      200: {
        description: "The metrics",
        content: { [EXPOSITION_CONTENT_TYPE]: { schema: z.string() } },
      },
      401: nativeErrors[401],
      403: nativeErrors[403],
    },
  }),
  async (c) => {
    const { db, clock } = c.var.deps;
    const scope = c.get("actor") === OPERATOR ? "all" : { teamId: c.var.auth.teamId };
    const { config } = c.var.deps;
    const body = await scrapeMetrics(db, scope, clock.now(), { ...SCRAPE_LIMITS, certificates: config.METRICS_CERTIFICATE_SERIES });
    // Another team's names must never be served from a cache to this one.
    return c.text(body, 200, { "Content-Type": EXPOSITION_CONTENT_TYPE, "Cache-Control": "no-store" });
  },
);
