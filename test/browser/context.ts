/** What the browser project's global setup (global-setup.mjs) provides to its tests (vitest `provide`/`inject`). */
declare module "vitest" {
  export interface ProvidedContext {
    /** A `wrangler dev` of this Worker with a fresh local state, for the browser tests only. */
    browserWorkerUrl: string;
    /** That Worker's ADMIN_TOKEN. */
    browserAdminToken: string;
    /** The chromium executable the tests launch. */
    chromiumPath: string;
  }
}

export {};
