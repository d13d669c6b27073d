/**
 * Test hooks for the operator, answered only when CERTDESK_ENV is "test" (404 elsewhere, and absent from the OpenAPI
 * document): they let the end-to-end tests reset an issuer mid-order as an eviction would.
 */
import { Hono } from "hono";
import { z } from "zod";
import { AppError } from "../../core/errors";
import { auditedCommit } from "../../http/audited-commit";
import { requireAdmin } from "../../http/auth";
import type { AppBindings } from "../../http/context";
import { issuerName } from "../../issuance/issue-request";
import { NO_TEAM } from "../../store/audit-log";

const crashBody = z.object({
  projectId: z.string().min(1).max(64),
  after: z.enum(["ordered", "presenting", "answered", "finalizing", "finalized"]),
});

export const adminTestRoutes = new Hono<AppBindings>().post("/admin/test/issuer-crash", requireAdmin(), async (c) => {
  const deps = c.var.deps;
  if (deps.config.CERTDESK_ENV !== "test") throw new AppError("not_found", `No route for ${c.req.method} ${c.req.path}`);
  const parsed = crashBody.safeParse(await c.req.json().catch(() => undefined));
  if (!parsed.success) throw new AppError("validation_failed", "Expected {projectId, after: ordered|presenting|answered|finalizing|finalized}");
  const { projectId, after } = parsed.data;
  await auditedCommit(c)({ teamId: NO_TEAM, statements: [], target: projectId, detail: { after } });
  const armed = await deps.issuer(issuerName({ teamId: "", projectId, names: [] })).armCrash(after);
  return c.json({ armed, projectId, after }, 200);
});
