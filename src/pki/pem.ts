/** PEM armor (RFC 7468): a tolerant reader that says exactly what it found, and a strict writer. */
import { base64ToBytes, bytesToBase64 } from "../crypto/encoding";
import { AppError, type ErrorCode } from "../core/errors";
import type { Bytes } from "./der";

/** Bounds for untrusted PEM text: a certificate is 1–3 KiB, a long chain or CA bundle tens of KiB. */
const pemLimits = {
  maxInputChars: 256 * 1024,
  maxBlocks: 64,
  maxBlockBytes: 64 * 1024,
} as const;

/** One decoded `-----BEGIN label-----` … `-----END label-----` block. */
export interface PemBlock {
  /** Upper-case label, e.g. "CERTIFICATE" or "RSA PRIVATE KEY". */
  label: string;
  /** RFC 1421 headers (Proc-Type, DEK-Info) of legacy encrypted keys, keys upper-cased. */
  headers: Record<string, string>;
  der: Bytes;
}

/** What the caller expected, so errors can say "Expected <expected> but found <what>". */
export interface PemExpectation {
  code: ErrorCode;
  /** e.g. "a PEM certificate", "a PEM private key". */
  expected: string;
  /** The input field, carried in the error's detail for surfaces that name it. */
  field?: string;
}

const beginLine = /^-----BEGIN ([A-Z0-9][A-Z0-9 #._/]{0,63})-----$/i;
const endLine = /^-----END ([A-Z0-9][A-Z0-9 #._/]{0,63})-----$/i;
const boundaryLike = /^-{2,}\s*(BEGIN|END)\b/i;
const inlineBoundary = /-----(BEGIN|END) ([A-Za-z0-9][A-Za-z0-9 #._/]{0,63})-----/g;
const base64Body = /^[A-Za-z0-9+/]+={0,2}$/;

/** Noun phrases for PEM labels (RFC 7468 §5–§13 plus the OpenSSL legacy ones). */
export function describePemLabel(label: string): string {
  switch (label) {
    case "CERTIFICATE":
    case "X509 CERTIFICATE":
      return "a certificate";
    case "TRUSTED CERTIFICATE":
      return "an OpenSSL TRUSTED CERTIFICATE (use the plain CERTIFICATE form)";
    case "CERTIFICATE REQUEST":
    case "NEW CERTIFICATE REQUEST":
      return "a certificate signing request (CSR)";
    case "PRIVATE KEY":
    case "RSA PRIVATE KEY":
    case "EC PRIVATE KEY":
      return "a private key";
    case "DSA PRIVATE KEY":
      return "a DSA private key";
    case "ENCRYPTED PRIVATE KEY":
      return "an encrypted private key";
    case "OPENSSH PRIVATE KEY":
      return "an OpenSSH private key";
    case "PUBLIC KEY":
    case "RSA PUBLIC KEY":
      return "a public key";
    case "EC PARAMETERS":
      return "EC parameters";
    case "X509 CRL":
      return "a certificate revocation list (CRL)";
    case "PKCS7":
    case "CMS":
      return "a PKCS#7 bundle";
    default:
      if (label.startsWith("PGP ")) return "a PGP block";
      return `a PEM block labelled "${label}"`;
  }
}

function fail(expectation: PemExpectation, message: string): never {
  throw new AppError(expectation.code, message, {
    detail: expectation.field ? { field: expectation.field } : undefined,
  });
}

/** Undoes the usual transport damage: BOM, CRLF, JSON-escaped newlines, a whole PEM pasted onto one line. */
function normalize(text: string): string {
  return text
    .replace(/^\uFEFF/, "")
    .replace(/\\r\\n|\\n/g, "\n")
    .replace(/\r\n?/g, "\n")
    .replace(inlineBoundary, "\n-----$1 $2-----\n");
}

function looksBinary(text: string): boolean {
  // A DER SEQUENCE read as text starts with "0" then a length octet; control characters give away the rest.
  if (text.charCodeAt(0) === 0x30 && text.length > 1 && text.charCodeAt(1) >= 0x80 && text.charCodeAt(1) <= 0x84) {
    return true;
  }
  return /[\u0000-\u0008\u000e-\u001f\u007f]/.test(text);
}

function describeNonPem(text: string): string {
  const trimmed = text.trim();
  if (/^[A-Za-z0-9+/=\s]+$/.test(trimmed) && trimmed.length >= 16) {
    return "base64 text without -----BEGIN/-----END lines";
  }
  if (/^(ssh-(rsa|dss|ed25519)|ecdsa-sha2-)/.test(trimmed)) return "an OpenSSH public key";
  if (/^[{[]/.test(trimmed)) return "JSON, not PEM";
  if (trimmed.startsWith("<")) return "HTML or XML, not PEM";
  return "text that is not PEM (no -----BEGIN line)";
}

function shorten(line: string): string {
  return line.length > 40 ? `${line.slice(0, 40)}…` : line;
}

function decodeBody(expectation: PemExpectation, label: string, body: string): Bytes {
  if (body.length === 0) fail(expectation, `PEM block "${label}" is empty`);
  if (!base64Body.test(body)) fail(expectation, `PEM block "${label}" contains characters that are not base64`);
  if (body.length % 4 !== 0) {
    fail(expectation, `PEM block "${label}" has truncated base64 (its length is not a multiple of 4)`);
  }
  if ((body.length / 4) * 3 > pemLimits.maxBlockBytes) {
    fail(expectation, `PEM block "${label}" is too large (at most ${pemLimits.maxBlockBytes / 1024} KiB)`);
  }
  try {
    return new Uint8Array(base64ToBytes(body));
  } catch {
    return fail(expectation, `PEM block "${label}" contains invalid base64`);
  }
}

/**
 * Reads every PEM block in `text`. Text between blocks (OpenSSL's "subject=" and "Bag Attributes"
 * lines) is ignored, as RFC 7468 §2 allows; anything else malformed throws an AppError of
 * `expectation.code` whose message says what was found.
 */
export function readPemBlocks(text: unknown, expectation: PemExpectation): PemBlock[] {
  if (typeof text !== "string") fail(expectation, `Expected ${expectation.expected} but found ${typeof text}`);
  if (text.length > pemLimits.maxInputChars) {
    fail(expectation, `Expected ${expectation.expected} but the input is too large (at most ${pemLimits.maxInputChars / 1024} KiB)`);
  }
  if (text.trim() === "") fail(expectation, `Expected ${expectation.expected} but the input is empty`);
  if (looksBinary(text)) {
    fail(expectation, `Expected ${expectation.expected} but found binary data (DER?); send it PEM-encoded`);
  }

  const blocks: PemBlock[] = [];
  let current: { label: string; headers: Record<string, string>; body: string[] } | null = null;
  for (const rawLine of normalize(text).split("\n")) {
    const line = rawLine.trim();
    if (line === "") continue;
    const begin = beginLine.exec(line);
    const end = begin ? null : endLine.exec(line);
    if (!begin && !end && boundaryLike.test(line)) fail(expectation, `Malformed PEM boundary line "${shorten(line)}"`);

    if (current === null) {
      if (begin) current = { label: begin[1]!.trim().toUpperCase(), headers: {}, body: [] };
      else if (end) fail(expectation, `Found -----END ${end[1]!.toUpperCase()}----- without a matching BEGIN line`);
      continue;
    }
    if (begin) {
      fail(expectation, `PEM block "${current.label}" is truncated: another BEGIN line comes before its END line`);
    }
    if (end) {
      const label = end[1]!.trim().toUpperCase();
      if (label !== current.label) {
        fail(expectation, `PEM block "${current.label}" ends with a mismatched -----END ${label}----- line`);
      }
      if (blocks.length >= pemLimits.maxBlocks) {
        fail(expectation, `Expected ${expectation.expected} but found more than ${pemLimits.maxBlocks} PEM blocks`);
      }
      const der = decodeBody(expectation, current.label, current.body.join(""));
      blocks.push({ label: current.label, headers: current.headers, der });
      current = null;
      continue;
    }
    // RFC 1421 §4.6 headers ("Proc-Type: 4,ENCRYPTED") precede the base64; base64 never contains ":".
    const header = current.body.length === 0 ? /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line) : null;
    if (header) current.headers[header[1]!.toUpperCase()] = header[2]!;
    else current.body.push(line.replace(/\s+/g, ""));
  }
  if (current !== null) {
    fail(expectation, `PEM block "${current.label}" is truncated: the -----END ${current.label}----- line is missing`);
  }
  if (blocks.length === 0) fail(expectation, `Expected ${expectation.expected} but found ${describeNonPem(text)}`);
  return blocks;
}

/** Encodes DER as PEM with 64-character lines (RFC 7468 §2), ending in a newline. */
export function derToPem(der: Uint8Array, label: string): string {
  const base64 = bytesToBase64(der);
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += 64) lines.push(base64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Decodes the first PEM block of `pem`; throws AppError("bad_request") on anything that is not PEM. */
export function pemToDer(pem: string): Bytes {
  return readPemBlocks(pem, { code: "bad_request", expected: "PEM data" })[0]!.der;
}
