import { describe, expect, it } from "vitest";
import {
  AcmeMalformedResponseError,
  AcmeNetworkError,
  AcmeProblem,
  isAcmeNetworkError,
  isAcmeProblem,
} from "../../../src/acme/problem";
import { errorFromResponse, type AcmeHttpResponse } from "../../../src/acme/transport";

function response(status: number, contentType: string, text: string, retryAfter?: number): AcmeHttpResponse {
  return { status, headers: new Headers({ "content-type": contentType }), url: "https://ca.test/x", text, ...(retryAfter !== undefined ? { retryAfter } : {}) };
}

describe("problem documents (RFC 8555 §6.7)", () => {
  it("reads type, detail, status and Retry-After", () => {
    const err = errorFromResponse(
      response(429, "application/problem+json", JSON.stringify({ type: "urn:ietf:params:acme:error:rateLimited", detail: "too many orders", status: 429 }), 3600),
    );
    expect(err).toBeInstanceOf(AcmeProblem);
    const problem = err as AcmeProblem;
    expect(problem.type).toBe("urn:ietf:params:acme:error:rateLimited");
    expect(problem.shortType).toBe("rateLimited");
    expect(problem.detail).toBe("too many orders");
    expect(problem.status).toBe(429);
    expect(problem.retryAfter).toBe(3600);
    expect(problem.url).toBe("https://ca.test/x");
    expect(isAcmeProblem(problem, "rateLimited")).toBe(true);
    expect(isAcmeProblem(problem, "urn:ietf:params:acme:error:rateLimited")).toBe(true);
    expect(isAcmeProblem(problem, "badNonce")).toBe(false);
    expect(isAcmeProblem(new Error("x"))).toBe(false);
  });

  it("keeps subproblems with their identifiers (RFC 8555 §6.7.1, the RFC's own example)", () => {
    const doc = {
      type: "urn:ietf:params:acme:error:malformed",
      detail: "Some of the identifiers requested were rejected",
      subproblems: [
        { type: "urn:ietf:params:acme:error:malformed", detail: "Invalid underscore in DNS name \"_example.org\"", identifier: { type: "dns", value: "_example.org" } },
        { type: "urn:ietf:params:acme:error:rejectedIdentifier", detail: "This CA will not issue for \"example.net\"", identifier: { type: "dns", value: "example.net" } },
      ],
    };
    const problem = errorFromResponse(response(403, "application/problem+json", JSON.stringify(doc))) as AcmeProblem;
    expect(problem.status).toBe(403); // from the HTTP status when the document has none
    expect(problem.subproblems).toHaveLength(2);
    expect(problem.subproblems[1]).toMatchObject({ type: "urn:ietf:params:acme:error:rejectedIdentifier", identifier: { value: "example.net" } });
    expect(problem.message).toContain("example.net");
  });

  const nonProblems: { name: string; status: number; contentType: string; text: string; want: "network" | "malformed" | "problem" }[] = [
    { name: "HTML 502 from a proxy", status: 502, contentType: "text/html", text: "<html>Bad Gateway</html>", want: "network" },
    { name: "empty 503", status: 503, contentType: "", text: "", want: "network" },
    { name: "JSON 500 problem", status: 500, contentType: "application/problem+json", text: '{"type":"urn:ietf:params:acme:error:serverInternal","detail":"oops"}', want: "problem" },
    { name: "HTML 404", status: 404, contentType: "text/html", text: "<h1>Not found</h1>", want: "malformed" },
    { name: "truncated JSON 400", status: 400, contentType: "application/problem+json", text: '{"type":', want: "malformed" },
    { name: "JSON of the wrong shape", status: 400, contentType: "application/json", text: '{"type": 42}', want: "malformed" },
    { name: "problem without type is about:blank", status: 400, contentType: "application/problem+json", text: '{"detail":"x"}', want: "problem" },
  ];
  for (const c of nonProblems) {
    it(`classifies ${c.name}`, () => {
      const err = errorFromResponse(response(c.status, c.contentType, c.text));
      if (c.want === "network") {
        expect(isAcmeNetworkError(err)).toBe(true);
        expect((err as AcmeNetworkError).status).toBe(c.status);
      } else if (c.want === "malformed") {
        expect(err).toBeInstanceOf(AcmeMalformedResponseError);
        expect(isAcmeProblem(err)).toBe(true);
      } else {
        expect(err).toBeInstanceOf(AcmeProblem);
        expect(err).not.toBeInstanceOf(AcmeMalformedResponseError);
      }
    });
  }
});
