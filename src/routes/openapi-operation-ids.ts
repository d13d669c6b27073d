/**
 * Every operation of the OpenAPI document gets an operationId, derived here in one place for routes that set none:
 * `GET /api/v1/projects/{id}/certificate/status` → `getProjectCertificateStatus`. A route's own operationId is kept.
 * OpenAPI 3.1 §4.8.10: "The id MUST be unique among all operations described in the API"; client generators name
 * their methods after it, so a derived id depends only on its own method and path, never on the order of routes.
 */
import { OPERATION_METHODS, type OpenApiDocument, type OpenApiOperation, type OpenApiPathItem } from "./openapi-document";

/** Leading path segments that name no resource: the native API's `/api` and the surfaces' versions (`/v1`, `/v8`). */
const PREFIX_SEGMENT = /^(api|v\d+)$/;

interface Located {
  /** `paths` or `webhooks`. */
  where: "paths" | "webhooks";
  /** The path template, or the webhook's name. */
  key: string;
  method: (typeof OPERATION_METHODS)[number];
  operation: OpenApiOperation;
}

/** The document with an operationId on every operation (a copy: the argument is left as it was). */
export function withOperationIds<T extends OpenApiDocument>(document: T): T {
  const operations = locateOperations(document);
  const assigned = assignOperationIds(operations);
  const copy = (where: Located["where"]) => {
    const items = document[where];
    if (!items) return items;
    return Object.fromEntries(
      Object.entries(items).map(([key, item]) => {
        const filled: OpenApiPathItem = { ...item };
        for (const method of OPERATION_METHODS) {
          const operation = item[method];
          const operationId = assigned.get(`${where} ${key} ${method}`);
          if (operation && operationId) filled[method] = { ...operation, operationId };
        }
        return [key, filled];
      }),
    );
  };
  return { ...document, paths: copy("paths"), webhooks: copy("webhooks") };
}

/** `get` and the path's words in camelCase, path parameters left out and a collection before one made singular. */
export function deriveOperationId(method: string, path: string, { keepPrefix = false } = {}): string {
  const segments = path.split("/").filter((segment) => segment !== "");
  let start = 0;
  if (!keepPrefix) while (start < segments.length - 1 && PREFIX_SEGMENT.test(segments[start]!)) start++;
  const words: string[] = [];
  for (let i = start; i < segments.length; i++) {
    const segment = segments[i]!;
    if (isParameter(segment)) continue;
    const segmentWords = segment.split(/[^A-Za-z0-9]+/).filter((word) => word !== "");
    // `projects/{id}` is one project: `getProject`, not `getProjects`.
    const next = segments[i + 1];
    if (next !== undefined && isParameter(next) && segmentWords.length > 0) {
      segmentWords.push(singular(segmentWords.pop()!));
    }
    words.push(...segmentWords);
  }
  return method.toLowerCase() + words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join("");
}

function locateOperations(document: OpenApiDocument): Located[] {
  const found: Located[] = [];
  for (const where of ["paths", "webhooks"] as const) {
    for (const [key, item] of Object.entries(document[where] ?? {})) {
      for (const method of OPERATION_METHODS) {
        const operation = item[method];
        if (operation) found.push({ where, key, method, operation });
      }
    }
  }
  return found;
}

/**
 * Ids for the operations without one, keyed `where key method`. The short form when no other operation wants it;
 * otherwise (e.g. `/v8/certs` and `/v9/certs`) every claimant takes the long form with its prefix (`getV8Certs`), and
 * what still collides is numbered in path order (`…2`, `…3`). Two routes that set the same id themselves are a
 * programming error, thrown so that the document's test fails.
 */
function assignOperationIds(operations: Located[]): Map<string, string> {
  const taken = new Map<string, Located>();
  for (const located of operations) {
    const id = located.operation.operationId;
    if (id === undefined) continue;
    const other = taken.get(id);
    if (other) throw new Error(`operationId "${id}" is set by both ${describe(other)} and ${describe(located)}`);
    taken.set(id, located);
  }
  const unnamed = operations
    .filter((located) => located.operation.operationId === undefined)
    .sort((a, b) => describe(a).localeCompare(describe(b)));
  const derive = (located: Located, keepPrefix: boolean) =>
    deriveOperationId(located.method, located.where === "paths" ? located.key : `/${located.key}`, { keepPrefix });

  const shortClaims = countBy(unnamed, (located) => derive(located, false));
  const assigned = new Map<string, string>();
  const used = new Set(taken.keys());
  for (const located of unnamed) {
    const short = derive(located, false);
    const long = derive(located, true);
    let id = shortClaims.get(short) === 1 && !used.has(short) ? short : long;
    if (used.has(id)) {
      let n = 2;
      while (used.has(`${long}${n}`)) n++;
      id = `${long}${n}`;
    }
    used.add(id);
    assigned.set(`${located.where} ${located.key} ${located.method}`, id);
  }
  return assigned;
}

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function describe(located: Located): string {
  return located.where === "paths" ? `${located.method.toUpperCase()} ${located.key}` : `webhook ${located.key} (${located.method})`;
}

function isParameter(segment: string): boolean {
  return segment.startsWith("{") && segment.endsWith("}");
}

/** English plurals as paths use them: `certificates`, `deploy-targets`, `entries`; `status` and `address` stay. */
function singular(word: string): string {
  if (/ies$/i.test(word)) return `${word.slice(0, -3)}y`;
  if (/(ss|us|is)$/i.test(word)) return word;
  if (/(ch|sh|ss|x)es$/i.test(word)) return word.slice(0, -2);
  if (/s$/i.test(word)) return word.slice(0, -1);
  return word;
}
