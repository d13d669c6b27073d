/** Parsing a flattened JWS (RFC 7515 §7.2.2) as ACME sends it (RFC 8555 §6.2), every defect a `malformed` problem. */
import { base64UrlToBytes, utf8 } from "../crypto/encoding";
import { AcmeServerProblem } from "./problems";

/** A flattened JWS whose parts are well-formed base64url and whose protected header is a JSON object. */
export interface ParsedJws {
  protectedB64: string;
  payloadB64: string;
  signature: Uint8Array<ArrayBuffer>;
  /** The decoded protected header, not yet checked member by member. */
  header: Record<string, unknown>;
}

/** RFC 7515 §2: base64url without padding or whitespace. A length of 4n+1 encodes no whole byte. */
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * RFC 8555 §6.2: the JWS MUST use the flattened JSON serialization and MUST NOT have an unprotected header; a
 * general serialization (`signatures`) may carry several signatures, so it is refused whole. `what` names the JWS in
 * errors ("JWS", "inner JWS", "externalAccountBinding").
 */
export function parseFlattenedJws(value: unknown, what = "JWS"): ParsedJws {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AcmeServerProblem("malformed", `${what} is not a JSON object (RFC 8555 §6.2 wants the flattened JSON serialization)`);
  }
  const jws = value as Record<string, unknown>;
  if ("signatures" in jws) throw new AcmeServerProblem("malformed", `${what} uses the general JSON serialization; RFC 8555 §6.2 allows only the flattened one, with a single signature`);
  if ("header" in jws) throw new AcmeServerProblem("malformed", `${what} has an unprotected header; RFC 8555 §6.2 forbids it`);
  for (const member of ["protected", "payload", "signature"] as const) {
    if (typeof jws[member] !== "string") throw new AcmeServerProblem("malformed", `${what} has no "${member}" string`);
  }
  const protectedB64 = jws.protected as string;
  const payloadB64 = jws.payload as string;
  if (protectedB64 === "") throw new AcmeServerProblem("malformed", `${what} has an empty protected header`);
  const signature = decodeBase64Url(jws.signature as string, `${what} signature`);
  if (signature.length === 0) throw new AcmeServerProblem("malformed", `${what} has an empty signature`);
  decodeBase64Url(payloadB64, `${what} payload`);
  const header = decodeJson(protectedB64, `${what} protected header`);
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new AcmeServerProblem("malformed", `${what} protected header is not a JSON object`);
  }
  // RFC 7515 §4.1.11: a recipient MUST reject a JWS whose `crit` names an extension it does not understand; ACME uses none.
  if ("crit" in header) throw new AcmeServerProblem("malformed", `${what} protected header has "crit"; no JWS extension is supported`);
  return { protectedB64, payloadB64, signature, header: header as Record<string, unknown> };
}

/** RFC 7515 §5.2 step 8: the bytes a signature or MAC covers, ASCII(protected || '.' || payload). */
export function jwsSigningInput(jws: { protectedB64: string; payloadB64: string }): Uint8Array<ArrayBuffer> {
  return utf8.encode(`${jws.protectedB64}.${jws.payloadB64}`);
}

/** Strict base64url (no padding, no other characters) to bytes; anything else is `malformed`. */
export function decodeBase64Url(text: string, what: string): Uint8Array<ArrayBuffer> {
  if (!BASE64URL.test(text) || text.length % 4 === 1) throw new AcmeServerProblem("malformed", `${what} is not unpadded base64url (RFC 7515 §2)`);
  return base64UrlToBytes(text);
}

/** Base64url-encoded UTF-8 JSON to its value (with its text); anything else is `malformed`. */
export function decodeJsonWithText(b64: string, what: string): { value: unknown; text: string } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(decodeBase64Url(b64, what));
  } catch (error) {
    if (error instanceof AcmeServerProblem) throw error;
    throw new AcmeServerProblem("malformed", `${what} is not UTF-8`);
  }
  try {
    return { value: JSON.parse(text) as unknown, text };
  } catch {
    throw new AcmeServerProblem("malformed", `${what} is not JSON`);
  }
}

/** Base64url-encoded UTF-8 JSON to its value; anything else is `malformed`. */
export function decodeJson(b64: string, what: string): unknown {
  return decodeJsonWithText(b64, what).value;
}
