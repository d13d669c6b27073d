/** `GET /api/v1/audit-log`: the team's recorded changes, newest first. */
import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, lt, or } from "drizzle-orm";
import { auditLog } from "../../db/schema";
import { requireScope } from "../../http/auth";
import { bearerSecurity, jsonResponse, nativeErrors, newRouter } from "../router";
import { recordTime } from "./wire-time";

const eventSchema = z
  .object({
    id: z.string(),
    actor: z.string().describe("The token that made the change, or `operator` (the team's creation)"),
    action: z.string().describe("Method and route, e.g. `POST /api/v1/tokens`"),
    target: z.string().describe("The id of what changed (\"\" when the route names none)"),
    detail: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe("What else was recorded, e.g. a created token's name, scopes and expiry (never its secret); null when nothing"),
    at: z.string(),
  })
  .openapi("AuditEvent");

export const auditRoutes = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/audit-log",
    summary: "Changes made with the team's tokens, and by the operator to the team, newest first",
    tags: ["Teams"],
    security: bearerSecurity,
    middleware: [requireScope("tokens:read")],
    request: {
      query: z.object({
        limit: z.coerce.number().int().min(1).max(200).default(50),
        before: z
          .string()
          .regex(/^\d{1,15}_evt_[A-Za-z0-9]{1,40}$/, "must be the `next` cursor of a previous page")
          .optional()
          .describe("Only events older than this cursor: `next` of the previous page"),
      }),
    },
    responses: {
      200: jsonResponse(z.object({ events: z.array(eventSchema), next: z.string().nullable() }), "A page of events"),
      ...nativeErrors,
    },
  }),
  async (c) => {
    const { limit, before } = c.req.valid("query");
    // The cursor is (time, id): events of the same millisecond are neither repeated nor skipped across pages.
    const [at, id] = before ? [Number(before.slice(0, before.indexOf("_"))), before.slice(before.indexOf("_") + 1)] : [];
    const rows = await c.var.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.teamId, c.var.auth.teamId), at === undefined ? undefined : or(lt(auditLog.at, at), and(eq(auditLog.at, at), lt(auditLog.id, id!)))))
      .orderBy(desc(auditLog.at), desc(auditLog.id))
      .limit(limit);
    return c.json(
      {
        events: rows.map((r) => ({ id: r.id, actor: r.actor, action: r.action, target: r.target, detail: r.detail ?? null, at: recordTime(r.at) })),
        next: rows.length === limit ? `${rows[rows.length - 1]!.at}_${rows[rows.length - 1]!.id}` : null,
      },
      200,
    );
  },
);
