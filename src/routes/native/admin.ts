/** Operator endpoints (Bearer ADMIN_TOKEN); each is recorded in the audit log with `operator` as the actor. */
import { createRoute, z } from "@hono/zod-openapi";
import { isoSeconds } from "../../core/time";
import { NO_TEAM } from "../../store/audit-log";
import { auditedCommit } from "../../http/audited-commit";
import { requireAdmin } from "../../http/auth";
import { resealEverything } from "../../services/reseal";
import { sweepDueDeployments } from "../../services/deploy-targets/sweep";
import { sweepDueCertificates } from "../../services/renewal-sweep";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrors, newRouter } from "../router";

const sweepBody = z
  .object({
    asOf: z.iso
      .datetime({ message: "must be an ISO 8601 date-time" })
      .optional()
      .describe("Judge due-ness as of this instant (default now): renew ahead of schedule, or rehearse a future sweep"),
    batchSize: z.number().int().min(1).max(200).optional(),
  })
  .strict();

export const adminRoutes = newRouter().openapi(
  createRoute({
    method: "post",
    path: "/admin/renewal-sweep",
    summary: "Run one renewal sweep tick now (what the cron trigger runs)",
    tags: ["Operator"],
    security: bearerSecurity,
    middleware: [requireAdmin()],
    request: { body: jsonBody(sweepBody) },
    responses: {
      200: jsonResponse(
        z.object({ due: z.number(), dispatched: z.number(), failed: z.number(), ids: z.array(z.string()) }),
        "What the tick found and handed to the issuers",
      ),
      ...nativeErrors,
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const asOf = body.asOf ? Date.parse(body.asOf) : c.var.deps.clock.now();
    // Recorded before it runs (a sweep touches many teams, so no team's log): a sweep that cannot be recorded does not run.
    const detail = { asOf: isoSeconds(asOf), batchSize: body.batchSize ?? null };
    await auditedCommit(c)({ teamId: NO_TEAM, statements: [], target: "", detail });
    return c.json(await sweepDueCertificates(c.var.deps, asOf, body.batchSize), 200);
  },
).openapi(
  createRoute({
    method: "post",
    path: "/admin/deploy-sweep",
    summary: "Run one deploy sweep now (what the cron trigger runs after the renewal sweep)",
    description: "Delivers to each deploy target that lacks its project's current certificate and whose backoff has passed at `asOf`.",
    tags: ["Operator"],
    security: bearerSecurity,
    middleware: [requireAdmin()],
    request: { body: jsonBody(sweepBody) },
    responses: {
      200: jsonResponse(
        z.object({ due: z.number(), delivered: z.number(), failed: z.number(), ids: z.array(z.string()) }),
        "What the tick found and how its deliveries went",
      ),
      ...nativeErrors,
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const asOf = body.asOf ? Date.parse(body.asOf) : c.var.deps.clock.now();
    const detail = { asOf: isoSeconds(asOf), batchSize: body.batchSize ?? null };
    await auditedCommit(c)({ teamId: NO_TEAM, statements: [], target: "", detail });
    return c.json(await sweepDueDeployments(c.var.deps, asOf, body.batchSize), 200);
  },
).openapi(
  createRoute({
    method: "post",
    path: "/admin/reseal",
    summary: "Seal every stored secret again under the current ENCRYPTION_KEY (after a rotation)",
    description:
      "Reads each sealed value with the current or a previous key (ENCRYPTION_KEY_PREVIOUS) and writes it back sealed under the current one. " +
      "Once it reports nothing unreadable, the previous key can be removed.",
    tags: ["Operator"],
    security: bearerSecurity,
    middleware: [requireAdmin()],
    responses: {
      200: jsonResponse(
        z.object({ resealed: z.number(), unreadable: z.array(z.string()).describe("table.column:id of values no configured key opens") }),
        "What was sealed again",
      ),
      ...nativeErrors,
    },
  }),
  async (c) => {
    const result = await resealEverything(c.var.deps);
    // Recorded with its outcome (no team's log: it touches every team's rows); ids only, never a value.
    await auditedCommit(c)({ teamId: NO_TEAM, statements: [], target: "", detail: { resealed: result.resealed, unreadable: result.unreadable.length } });
    return c.json(result, 200);
  },
);
