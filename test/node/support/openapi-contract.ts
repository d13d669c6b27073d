/**
 * Judges an answer by the OpenAPI document as served: the status is one the operation documents, the Content-Type one
 * of that status's media types, and a JSON body valid against its schema under ajv (JSON Schema 2020-12, OpenAPI
 * 3.1's dialect). Node only: ajv compiles its validators with `new Function`, which workerd refuses.
 */
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";

/** One call and its answer, as the contract test records it. */
export interface Exchange {
  method: string;
  /** The operation's path template. */
  path: string;
  /** What the call was for: "success", "no token", "unknown id", … */
  purpose: string;
  status: number;
  contentType: string;
  text: string;
}

const DOCUMENT_ID = "https://certdesk.test/openapi.json";

/** A JSON pointer segment (RFC 6901 §3) inside a URI fragment. */
const segment = (value: string) => encodeURIComponent(value.replaceAll("~", "~0").replaceAll("/", "~1"));

const mediaType = (value: string) => value.split(";")[0]!.trim().toLowerCase();

/** A checker for `document`: `problemsOf(exchange)` lists what in the answer the document does not say, one line each. */
export function contractOf(document: any) {
  // strict off: the document's schemas carry OpenAPI's own keywords (`example`), which are annotations here.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // OpenAPI's `binary` names a non-JSON body (a CRL, a certificate), which is not validated as JSON.
  ajv.addFormat("binary", true);
  ajv.addSchema({ ...document, $id: DOCUMENT_ID });

  return function problemsOf(exchange: Exchange): string[] {
    const name = `${exchange.method} ${exchange.path} (${exchange.purpose}) answered ${exchange.status}`;
    const responses: Record<string, { content?: Record<string, unknown> }> = document.paths?.[exchange.path]?.[exchange.method.toLowerCase()]?.responses ?? {};
    const declared = responses[String(exchange.status)];
    if (!declared) return [`${name}: a status the operation does not document (it documents ${Object.keys(responses).join(", ")}); body: ${exchange.text.slice(0, 300)}`];
    if (!declared.content) return exchange.text === "" ? [] : [`${name}: a body, where the document declares none: ${exchange.text.slice(0, 200)}`];
    const media = Object.keys(declared.content).find((key) => mediaType(key) === mediaType(exchange.contentType));
    if (!media) return [`${name}: Content-Type "${exchange.contentType}", where the document declares ${Object.keys(declared.content).join(", ")}`];
    if (mediaType(media) !== "application/json") return [];
    let body: unknown;
    try {
      body = JSON.parse(exchange.text);
    } catch {
      return [`${name}: the body is not JSON: ${exchange.text.slice(0, 200)}`];
    }
    const pointer = ["paths", exchange.path, exchange.method.toLowerCase(), "responses", String(exchange.status), "content", media, "schema"].map(segment).join("/");
    const ref = `${DOCUMENT_ID}#/${pointer}`;
    const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (error) => `${name}: body${error.instancePath || "/"} ${error.message ?? "is invalid"} (${error.schemaPath}; ${JSON.stringify(error.params)}); body: ${exchange.text.slice(0, 200)}`,
    );
  };
}
