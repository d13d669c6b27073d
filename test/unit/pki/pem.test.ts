import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import { derToPem, pemToDer } from "../../../src/pki";
import { readPemBlocks } from "../../../src/pki/pem";

const expectation = { code: "invalid_certificate" as const, expected: "a PEM certificate" };
const bytes = Uint8Array.from({ length: 200 }, (_, i) => (i * 7) & 0xff);

describe("derToPem / pemToDer", () => {
  it("round-trips DER with 64-character lines and a final newline", () => {
    const pem = derToPem(bytes, "CERTIFICATE");
    const lines = pem.trimEnd().split("\n");
    expect(lines[0]).toBe("-----BEGIN CERTIFICATE-----");
    expect(lines.at(-1)).toBe("-----END CERTIFICATE-----");
    expect(lines.slice(1, -1).every((line) => line.length <= 64)).toBe(true);
    expect(lines[1]).toHaveLength(64);
    expect(pem.endsWith("\n")).toBe(true);
    expect(pemToDer(pem)).toEqual(bytes);
  });

  it("pemToDer refuses non-PEM with a 400", () => {
    try {
      pemToDer("not pem at all");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("bad_request");
      expect((error as AppError).message).toBe("Expected PEM data but found text that is not PEM (no -----BEGIN line)");
    }
  });
});

describe("readPemBlocks tolerance", () => {
  const pem = derToPem(bytes, "CERTIFICATE");
  const body = pem.split("\n").slice(1, -2).join("");
  const cases: { name: string; input: string }[] = [
    { name: "CRLF line endings", input: pem.replace(/\n/g, "\r\n") },
    { name: "old Mac CR line endings", input: pem.replace(/\n/g, "\r") },
    { name: "indentation and trailing spaces", input: pem.replace(/\n/g, "   \n\t  ") },
    { name: "blank lines around and inside", input: `\n\n${pem.replace("-----\n", "-----\n\n")}\n\n` },
    { name: "whole PEM on one line with spaces", input: `-----BEGIN CERTIFICATE----- ${body} -----END CERTIFICATE-----` },
    { name: "whole PEM on one line without spaces", input: `-----BEGIN CERTIFICATE-----${body}-----END CERTIFICATE-----` },
    { name: "JSON-escaped newlines", input: pem.replace(/\n/g, "\\n") },
    { name: "byte-order mark", input: `\uFEFF${pem}` },
    { name: "lower-case labels", input: pem.replace(/CERTIFICATE/g, "certificate") },
    { name: "OpenSSL text before the block", input: `subject=CN = example.com\nissuer=CN = R3\nBag Attributes\n    localKeyID: 01\n${pem}` },
    { name: "base64 body on a single long line", input: `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----` },
  ];
  for (const { name, input } of cases) {
    it(name, () => {
      const blocks = readPemBlocks(input, expectation);
      expect(blocks).toHaveLength(1);
      expect(blocks[0]!.label).toBe("CERTIFICATE");
      expect(blocks[0]!.der).toEqual(bytes);
    });
  }

  it("reads RFC 1421 headers of legacy encrypted keys", () => {
    const input = `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF\n\n${body}\n-----END RSA PRIVATE KEY-----`;
    const [block] = readPemBlocks(input, expectation);
    expect(block!.headers).toEqual({ "PROC-TYPE": "4,ENCRYPTED", "DEK-INFO": "AES-128-CBC,00FF" });
    expect(block!.der).toEqual(bytes);
  });

  it("reads several blocks in order", () => {
    const blocks = readPemBlocks(derToPem(bytes, "CERTIFICATE") + derToPem(bytes.slice(0, 10), "X509 CRL"), expectation);
    expect(blocks.map((block) => block.label)).toEqual(["CERTIFICATE", "X509 CRL"]);
    expect(blocks[1]!.der).toEqual(bytes.slice(0, 10));
  });
});
