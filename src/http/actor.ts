/** Who makes a request's changes: the token authentication found, or the operator; what audit rows name as `actor`. */

/** The actor of operator requests (Bearer ADMIN_TOKEN), which belong to no team token. */
export const OPERATOR = "operator";

declare module "hono" {
  interface ContextVariableMap {
    /** Set by `requireScope` (the token's id) or `requireAdmin` (`operator`); unset on unauthenticated requests. */
    actor?: string;
  }
}
