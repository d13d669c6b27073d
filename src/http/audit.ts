/** Records every successful change made with a team token: who (token), what (method and route), on what (path id). */
import type { MiddlewareHandler } from "hono";
import { auditLog } from "../db/schema";
import { newId } from "../core/ids";
import type { AppBindings } from "./context";

const CHANGES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function auditChanges(): MiddlewareHandler<AppBindings> {
  return async function auditChanges(c, next) {
    await next();
    const auth = c.get("auth");
    if (!auth || !CHANGES.has(c.req.method) || c.res.status >= 400) return;
    const params = c.req.param() as Record<string, string>;
    const target = params.id ?? params.idOrName ?? params.certId ?? params.certificate_id ?? params.project_id ?? params.tokenId ?? "";
    try {
      await c.var.deps.db
        .insert(auditLog)
        .values({ id: newId("evt"), teamId: auth.teamId, actor: auth.tokenId, action: `${c.req.method} ${c.req.routePath}`, target, at: Date.now() });
    } catch {
      // The change itself succeeded; a lost audit row must not turn it into an error.
      console.error(`audit: could not record ${c.req.method} ${c.req.routePath}`);
    }
  };
}
