/** `GET /api/v1/certificates/summary`: the team's certificates by days left, every one counted (the dashboard's summary). */
import { createRoute, z } from "@hono/zod-openapi";
import { requireScope } from "../../http/auth";
import { teamExpirySummary } from "../../services/certificates/expiry-summary";
import { bearerSecurity, jsonResponse, nativeErrors, newRouter } from "../router";
import { certificateTime } from "./wire-time";

const count = z.number().int().min(0);

const summarySchema = z
  .object({
    expiring: z
      .object({ "1d": count, "7d": count, "14d": count, "30d": count })
      .describe("Certificates not yet expired whose notAfter is within 1, 7, 14 and 30 days (each includes the shorter ones)"),
    expired: count.describe("Certificates past their notAfter"),
    renewalFailing: count.describe("Certificates whose last renewal attempts failed"),
    earliestExpiresAt: z.string().nullable().describe("The soonest notAfter to come; null when none is to come"),
  })
  .openapi("CertificateExpirySummary");

export const certificatesSummaryRoutes = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/certificates/summary",
    summary: "The team's certificates by days left, every one counted",
    description:
      "The counts `/metrics` gives as `certdesk_certificates_*`, for the token's team: its project and team-level " +
      "certificates (those of `GET /api/v1/certificates`), revoked ones left out, however many there are. Needs `certs:read`.",
    tags: ["Certificates"],
    security: bearerSecurity,
    middleware: [requireScope("certs:read")],
    responses: { 200: jsonResponse(summarySchema, "The counts"), ...nativeErrors },
  }),
  async (c) => {
    const { db, clock } = c.var.deps;
    const summary = await teamExpirySummary(db, c.var.auth.teamId, clock.now());
    return c.json({ ...summary, earliestExpiresAt: summary.earliestExpiresAt === null ? null : certificateTime(summary.earliestExpiresAt) }, 200);
  },
);
