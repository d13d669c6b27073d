/** The Hono context type shared by every route: bindings plus what middleware sets. */
import type { Deps } from "../services/deps";
import type { Env } from "../env";

export interface AuthContext {
  teamId: string;
  tokenId: string;
  scopes: readonly string[];
}

export interface AppBindings {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** Set first, for every request: what routes hand down to the services (see deps.ts). */
    deps: Deps;
    auth: AuthContext;
  };
}
