/** The raw HTTP/1.x answers http-01 validation reads over its socket (RFC 9112 §4, §6, §7.1). */
import { describe, expect, it } from "vitest";
import { answerComplete, parseHttpAnswer } from "../../../src/outbound/http-get-at";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("parseHttpAnswer", () => {
  it("reads the status and a Content-Length body, ignoring what follows it", () => {
    expect(parseHttpAnswer(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello extra"), 4096)).toEqual({ status: 200, body: "hello" });
  });

  it("decodes a chunked body, extensions and trailers included", () => {
    const raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nabcd\r\n3\r\nefg\r\n0\r\nX-Trailer: 1\r\n\r\n";
    expect(parseHttpAnswer(bytes(raw), 4096)).toEqual({ status: 200, body: "abcdefg" });
  });

  it("takes a body without a length up to the close, at most maxBytes of it", () => {
    expect(parseHttpAnswer(bytes("HTTP/1.0 404 Not Found\r\n\r\nnot here"), 4096)).toEqual({ status: 404, body: "not here" });
    expect(parseHttpAnswer(bytes(`HTTP/1.1 200 OK\r\n\r\n${"x".repeat(100)}`), 10).body).toBe("x".repeat(10));
  });

  it("gives a redirect's Location as sent", () => {
    expect(parseHttpAnswer(bytes("HTTP/1.1 301 Moved Permanently\r\nlocation: /next/path?q=1\r\nContent-Length: 0\r\n\r\n"), 4096)).toEqual({ status: 301, body: "", location: "/next/path?q=1" });
  });

  it("refuses what is not HTTP", () => {
    expect(() => parseHttpAnswer(bytes("SSH-2.0-OpenSSH_9.6\r\n"), 4096)).toThrow("no end of headers");
    expect(() => parseHttpAnswer(bytes("hello\r\n\r\nworld"), 4096)).toThrow("no status line");
  });
});

describe("answerComplete (reading stops there even when the server keeps the connection open)", () => {
  it("waits for the end of the headers, then for Content-Length bytes or the last chunk", () => {
    expect(answerComplete(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"))).toBe(false);
    expect(answerComplete(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"))).toBe(false);
    expect(answerComplete(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"))).toBe(true);
    expect(answerComplete(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n"))).toBe(false);
    expect(answerComplete(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n"))).toBe(true);
  });

  it("takes an answer without a length as complete only at the close", () => {
    expect(answerComplete(bytes("HTTP/1.0 200 OK\r\n\r\nall of it"))).toBe(false);
  });
});
