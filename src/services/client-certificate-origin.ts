/** A client certificate's origin (Vercel's `origin`): normalized to `scheme://host[:port]`, "" for project-wide. */
import { AppError } from "../core/errors";

/** The origin of a project-wide certificate (no `origin` given). */
export const PROJECT_WIDE = "";

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Normalizes an origin to `scheme://host[:port]`: scheme http or https, host lower-case (IDNs as
 * punycode), the scheme's default port dropped, no credentials, path, query or fragment.
 * "https://API.example.com:443/" becomes "https://api.example.com". Empty or absent: project-wide ("").
 */
export function normalizeOrigin(input: string | null | undefined): string {
  const raw = (input ?? "").trim();
  if (raw === "") return PROJECT_WIDE;
  const shown = raw.length > 80 ? `${raw.slice(0, 80)}…` : raw;
  const fail = (why: string) => new AppError("validation_failed", `origin: "${shown}" ${why}`, { param: "origin" });
  if (raw.length > 2048) throw fail("is longer than 2048 characters");
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) throw fail("must be an absolute URL with a scheme, such as https://api.example.com");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw fail("is not a valid URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw fail("must use the https or http scheme");
  if (url.username !== "" || url.password !== "") throw fail("must not contain credentials");
  if (url.pathname !== "/" && url.pathname !== "") throw fail("must not contain a path (give scheme, host and port only)");
  if (url.search !== "" || url.hash !== "" || /[?#]/.test(raw)) throw fail("must not contain a query or fragment");
  const host = url.hostname.replace(/\.$/, "");
  const isIp = IPV4.test(host) || host.startsWith("[");
  if (!isIp && (host === "" || !host.split(".").every((label) => LABEL.test(label)))) {
    throw fail("must name a host: DNS labels of letters, digits and hyphens, or an IP address");
  }
  return `${url.protocol}//${host}${url.port ? `:${url.port}` : ""}`;
}
