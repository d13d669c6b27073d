/** Locates Debian's chromium (package `chromium`), or CHROMIUM_BIN: the browser the dashboard test drives through playwright-core. */
import { accessSync, constants } from "node:fs";

export const CHROMIUM_MISSING_MESSAGE =
  "Chromium is not installed: run `apt-get install -y chromium` (Debian) to run the dashboard's browser tests (or set CHROMIUM_BIN)";

/** Headless and quiet: no sandbox (CI containers run as root), no GPU, nothing fetched in the background. */
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];

/** The absolute path of an executable chromium, or null. Playwright downloads no browser here: it drives this one. */
export function findChromium(env = process.env) {
  const candidates = env.CHROMIUM_BIN ? [env.CHROMIUM_BIN] : ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not this one
    }
  }
  return null;
}
