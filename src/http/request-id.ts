/** Gives every request an id, echoed as `X-Request-Id` and printed with any logged failure. */
import type { MiddlewareHandler } from "hono";
import type { AppBindings } from "./context";

export function requestId(): MiddlewareHandler<AppBindings> {
  return async function requestId(c, next) {
    const id = crypto.randomUUID();
    c.set("requestId", id);
    c.header("X-Request-Id", id);
    await next();
  };
}
