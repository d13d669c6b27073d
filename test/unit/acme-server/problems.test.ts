/** The ACME server's problem table and RFC 7807 documents (RFC 8555 §6.7). */
import { describe, expect, it } from "vitest";
import { ACME_PROBLEM_STATUS, AcmeServerProblem, isAcmeServerProblem, problemDocument, toAcmeServerProblem } from "../../../src/acme-server/problems";

describe("problem documents", () => {
  it.each([
    ["badNonce", 400],
    ["unauthorized", 403],
    ["rateLimited", 429],
    ["serverInternal", 500],
    ["orderNotReady", 403],
    ["alreadyReplaced", 409],
    ["invalidProfile", 400],
  ] as const)("%s answers %i", (type, status) => {
    const problem = new AcmeServerProblem(type, "why");
    expect(problem.status).toBe(status);
    expect(problemDocument(problem)).toEqual({ type: `urn:ietf:params:acme:error:${type}`, detail: "why", status });
  });

  it("every RFC 8555 §6.7 type is in the table", () => {
    const rfc8555 = [
      "accountDoesNotExist", "alreadyRevoked", "badCSR", "badNonce", "badPublicKey", "badRevocationReason", "badSignatureAlgorithm",
      "caa", "compound", "connection", "dns", "externalAccountRequired", "incorrectResponse", "invalidContact", "malformed",
      "orderNotReady", "rateLimited", "rejectedIdentifier", "serverInternal", "tls", "unauthorized", "unsupportedContact",
      "unsupportedIdentifier", "userActionRequired",
    ];
    for (const type of rfc8555) expect(ACME_PROBLEM_STATUS).toHaveProperty(type);
  });

  it("renders subproblems with full types and their identifiers (RFC 8555 §6.7.1)", () => {
    const problem = new AcmeServerProblem("rejectedIdentifier", "2 names refused", {
      subproblems: [
        { type: "rejectedIdentifier", detail: "not allowed", identifier: { type: "dns", value: "a.example" } },
        { type: "unsupportedIdentifier", detail: "email is not supported" },
      ],
      retryAfterSeconds: 60,
    });
    expect(problemDocument(problem)).toEqual({
      type: "urn:ietf:params:acme:error:rejectedIdentifier",
      detail: "2 names refused",
      status: 400,
      subproblems: [
        { type: "urn:ietf:params:acme:error:rejectedIdentifier", detail: "not allowed", identifier: { type: "dns", value: "a.example" } },
        { type: "urn:ietf:params:acme:error:unsupportedIdentifier", detail: "email is not supported" },
      ],
    });
    expect(problem.retryAfterSeconds).toBe(60);
  });

  it("an unexpected error becomes serverInternal without its message, with a Retry-After", () => {
    const problem = toAcmeServerProblem(new Error("D1_ERROR: no such table acme_accounts; key=sk_live_secret"));
    expect(problem.type).toBe("serverInternal");
    expect(JSON.stringify(problemDocument(problem))).not.toMatch(/D1_ERROR|secret|acme_accounts/);
    expect(problem.retryAfterSeconds).toBeGreaterThan(0);
    expect(problemDocument(problem).status).toBe(500);
  });

  it("an AcmeServerProblem passes through toAcmeServerProblem as it is", () => {
    const problem = new AcmeServerProblem("badNonce", "stale");
    expect(toAcmeServerProblem(problem)).toBe(problem);
    expect(isAcmeServerProblem(problem, "badNonce")).toBe(true);
    expect(isAcmeServerProblem(problem, "malformed")).toBe(false);
    expect(isAcmeServerProblem(new Error("x"))).toBe(false);
  });
});
