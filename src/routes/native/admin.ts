/** Operator endpoints (Bearer ADMIN_TOKEN). */
import { createRoute, z } from "@hono/zod-openapi";
import { requireAdmin } from "../../http/auth";
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
    const asOf = body.asOf ? Date.parse(body.asOf) : Date.now();
    return c.json(await sweepDueCertificates(c.var.deps, asOf, body.batchSize), 200);
  },
);
