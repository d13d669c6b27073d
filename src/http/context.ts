/** The Hono context type shared by every route: bindings plus what middleware sets. */
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
    auth: AuthContext;
  };
}
