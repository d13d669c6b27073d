/** `GET /api/v1/audit-log`: the team's recorded changes, newest first. */
import { createRoute, z } from "@hono/zod-openapi";
import { requireScope } from "../../http/auth";
import { auditLogPage } from "../../store/audit-log-page";
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

/** Printable ASCII without spaces: the ids and names the log records. */
const exactValue = (what: string) => z.string().regex(/^[\x21-\x7e]{1,255}$/, `must be ${what}: 1 to 255 printable characters, no spaces`);

const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z
    .string()
    .regex(/^\d{1,15}_evt_[A-Za-z0-9]{1,40}$/, "must be the `next` cursor of a previous page")
    .optional()
    .describe("Only events older than this cursor: `next` of the previous page"),
  action: z
    .string()
    .regex(
      /^[A-Za-z][A-Za-z0-9 /:._{}-]{0,199}$/,
      "must be an action as the log records it (e.g. `POST /api/v1/projects`), or a prefix of one ending in `/` or `.` (e.g. `POST /api/v1/webhooks/`)",
    )
    .optional()
    .describe("Only this action; a value ending in `/` or `.` is a prefix: `POST /api/v1/webhooks/` is every POST under a webhook endpoint"),
  target: exactValue("the id of what changed, e.g. a project or certificate id")
    .optional()
    .describe("Only events about this id. A project's id also matches the events of its certificates (upload, renew, revoke, export, deploy)"),
  actor: exactValue("a token id or `operator`").optional().describe("Only events by this actor: a token id, or `operator`"),
});

export const auditRoutes = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/audit-log",
    summary: "Changes made with the team's tokens, and by the operator to the team, newest first",
    tags: ["Teams"],
    security: bearerSecurity,
    middleware: [requireScope("tokens:read")],
    request: {
      query: auditQuery,
    },
    responses: {
      200: jsonResponse(z.object({ events: z.array(eventSchema), next: z.string().nullable() }), "A page of events"),
      ...nativeErrors,
    },
  }),
  async (c) => {
    const { limit, before, action, target, actor } = c.req.valid("query");
    const cursor = before === undefined ? undefined : { at: Number(before.slice(0, before.indexOf("_"))), id: before.slice(before.indexOf("_") + 1) };
    const rows = await auditLogPage(c.var.deps.db, c.var.auth.teamId, { action, target, actor }, cursor, limit);
    return c.json(
      {
        events: rows.map((r) => ({ id: r.id, actor: r.actor, action: r.action, target: r.target, detail: r.detail ?? null, at: recordTime(r.at) })),
        next: rows.length === limit ? `${rows[rows.length - 1]!.at}_${rows[rows.length - 1]!.id}` : null,
      },
      200,
    );
  },
);
