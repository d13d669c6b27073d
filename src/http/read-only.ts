/**
 * Requests that use a changing method but change nothing: `POST …/certificate/validate` checks a certificate and key
 * and stores nothing (a POST only because the key must not travel in a URL). They are treated as reads: their D1
 * session may start at a replica with no primary bookmark after them (http/d1-session.ts), and they write no audit
 * row (http/audited-commit.ts is for changes). Matched on the path, because the session opens before the router has
 * picked a route.
 */
const READ_ONLY_POSTS = [/^\/api\/v1\/projects\/[^/]+\/certificate\/validate\/?$/];

export function changesNothing(method: string, path: string): boolean {
  const upper = method.toUpperCase();
  if (upper === "GET" || upper === "HEAD" || upper === "OPTIONS") return true;
  return upper === "POST" && READ_ONLY_POSTS.some((pattern) => pattern.test(path));
}
