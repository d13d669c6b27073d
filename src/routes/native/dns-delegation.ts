/**
 * `GET /api/v1/projects/{id}/dns-delegation`: the one CNAME a domain's owner adds so that DNS-01 is answered in the
 * operator's zone (dns/delegation.ts, RFC 8555 §8.4), and whether it is in place now, asked over DNS-over-HTTPS.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { AppError, projectHasNoDomain } from "../../core/errors";
import { requireScope } from "../../http/auth";
import { checkDelegation, delegationConfig, delegationRecord } from "../../dns/delegation";
import { responseLimitOf } from "../../outbound/bounded-body";
import { getProject } from "../../services/projects";
import { bearerSecurity, jsonResponse, nativeErrors, newRouter } from "../router";
import { projectIdParam } from "./projects";
import { raises } from "../openapi-errors";

const delegationSchema = z
  .object({
    recordName: z.string().describe("The record to create at the domain's DNS host: `_acme-challenge.<domain>` (without any `*.`)"),
    recordType: z.literal("CNAME"),
    recordValue: z.string().describe("Its target in the operator's zone; the same for the apex and its wildcard, and for every renewal"),
    status: z
      .enum(["pending", "active", "wrong_target"])
      .describe("active: the CNAME points at recordValue; wrong_target: it points elsewhere; pending: there is none (yet)"),
    found: z.string().nullable().describe("The CNAME target found, or null"),
    checkedAt: z.string().nullable().describe("When DNS was asked (ISO 8601); null when this deployment checks no DNS (DOH_RESOLVER_URL=none)"),
  })
  .openapi("DnsDelegation", {
    example: {
      recordName: "_acme-challenge.shop.example.com",
      recordType: "CNAME",
      recordValue: "k5qxm2v7c3hd4r6tn2wby5fjpe.acme-validation.example.net",
      status: "active",
      found: "k5qxm2v7c3hd4r6tn2wby5fjpe.acme-validation.example.net",
      checkedAt: "2026-12-06T04:00:00.000Z",
    },
  });

export const dnsDelegationRoutes = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/projects/{id}/dns-delegation",
    ...raises("domain_not_configured", "dns_provider_error"),
    summary: "The CNAME that delegates the project's DNS-01 challenges to the operator's zone, and whether it is in place",
    tags: ["Certificates"],
    security: bearerSecurity,
    middleware: [requireScope("projects:read")],
    request: { params: projectIdParam },
    responses: { 200: jsonResponse(delegationSchema, "The record and its status, checked now"), ...nativeErrors },
  }),
  async (c) => {
    const { db, config, clock } = c.var.deps;
    const project = await getProject(db, c.var.auth.teamId, c.req.valid("param").id);
    if (!project.domain) throw projectHasNoDomain(project.id);
    const { zone } = delegationConfig(config);
    const record = await delegationRecord(project.teamId, project.domain, zone);
    if (config.DOH_RESOLVER_URL === "none") return c.json({ ...record, status: "pending" as const, found: null, checkedAt: null }, 200);
    const checkedAt = new Date(clock.now()).toISOString();
    let check;
    try {
      check = await checkDelegation(record, { resolverUrl: config.DOH_RESOLVER_URL, responseLimitBytes: responseLimitOf(config) });
    } catch (error) {
      const why = error instanceof Error && error.name !== "TimeoutError" ? error.message : "resolver did not answer";
      throw new AppError("dns_provider_error", `Could not look up ${record.recordName} over DNS-over-HTTPS: ${why}`);
    }
    return c.json({ ...record, status: check.status, found: check.found, checkedAt }, 200);
  },
);
