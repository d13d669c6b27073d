/** Fallback audit for routes not yet on `auditedCommit`: records a team token's successful change after the response. */
// Who (token), what (method and route), on what (path id). It cannot undo a change whose row fails to write, so it only
// logs; that gap closes route by route as services commit through `http/audited-commit.ts`, whose routes it skips.
import type { MiddlewareHandler } from "hono";
import "./actor";
import { auditInsert } from "../store/audit-log";
import { changesNothing } from "./read-only";
import type { AppBindings } from "./context";

const CHANGES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function auditChanges(): MiddlewareHandler<AppBindings> {
  return async function auditChanges(c, next) {
    await next();
    const auth = c.get("auth");
    if (!auth || c.get("auditRecorded") || !CHANGES.has(c.req.method) || changesNothing(c.req.method, c.req.path) || c.res.status >= 400) return;
    const params = c.req.param() as Record<string, string>;
    const target = params.id ?? params.idOrName ?? params.certId ?? params.certificate_id ?? params.project_id ?? params.tokenId ?? "";
    const event = { teamId: auth.teamId, actor: auth.tokenId, action: `${c.req.method} ${c.req.routePath}`, target };
    try {
      await auditInsert(c.var.deps.db, event, c.var.deps.clock.now());
    } catch {
      console.error(`audit: could not record ${event.action} (request ${c.get("requestId") ?? "-"})`);
    }
  };
}
