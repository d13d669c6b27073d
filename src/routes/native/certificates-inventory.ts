/** `GET /api/v1/certificates`: every certificate of the token's team, project and team-level, newest first. */
import { createRoute, z } from "@hono/zod-openapi";
import { requireScope } from "../../http/auth";
import { type InventoryCursor, teamInventoryPage } from "../../services/certificates/inventory";
import { bearerSecurity, jsonResponse, nativeErrors, newRouter } from "../router";
import { inventoryCertificateSchema, inventoryCertificateView } from "./certificates-inventory-view";

/** `<created at, epoch ms>_<certificate id>`: what `next` of a page says, read back by `before`. */
const CURSOR = /^(\d{1,15})_([A-Za-z0-9_]{1,64})$/;

function cursorOf(next: InventoryCursor | null): string | null {
  return next === null ? null : `${next.createdAt}_${next.id}`;
}

function parseCursor(before: string | undefined): InventoryCursor | undefined {
  const match = before === undefined ? null : CURSOR.exec(before);
  return match ? { createdAt: Number(match[1]), id: match[2]! } : undefined;
}

const inventoryQuery = z.object({
  limit: z.coerce.number().int("must be an integer").min(1, "must be at least 1").max(200, "must be at most 200").default(100),
  before: z
    .string()
    .regex(CURSOR, "must be the `next` cursor of a previous page")
    .optional()
    .describe("Only certificates after this cursor (older ones): `next` of the previous page"),
});

const inventorySchema = z
  .object({
    certificates: z.array(inventoryCertificateSchema),
    next: z.string().nullable().describe("`before` for the next (older) page; null on the last page"),
  })
  .openapi("CertificateInventory");

export const certificatesInventoryRoutes = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/certificates",
    summary: "Every certificate of the team (project and team-level), newest first, with status and renewal state",
    description:
      "Needs `certs:read` alone (`certs:write` covers it): a monitoring or dashboard token reads every certificate's " +
      "status without `projects:read`. No private key or PEM: `GET /api/v1/projects/{id}/certificate` (`projects:read`) " +
      "has the public material.",
    tags: ["Certificates"],
    security: bearerSecurity,
    middleware: [requireScope("certs:read")],
    request: { query: inventoryQuery },
    responses: { 200: jsonResponse(inventorySchema, "A page of certificates"), ...nativeErrors },
  }),
  async (c) => {
    const { limit, before } = c.req.valid("query");
    const now = c.var.deps.clock.now();
    const page = await teamInventoryPage(c.var.deps.db, c.var.auth.teamId, { limit, before: parseCursor(before) });
    return c.json({ certificates: page.rows.map((row) => inventoryCertificateView(row, now)), next: cursorOf(page.next) }, 200);
  },
);
