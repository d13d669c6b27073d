import { describe, expect, it } from "vitest";
import { AcmeNetworkError, AcmeProblem, AcmeTimeoutError } from "../../../src/acme";
import { AppError } from "../../../src/core/errors";
import { isPermanentAcmeFailure, toIssuanceError } from "../../../src/issuance/acme-errors";

const DIR = "https://ca.test/directory";
const problem = (name: string, detail = "", extra: Partial<ConstructorParameters<typeof AcmeProblem>[0]> = {}) =>
  new AcmeProblem({ type: `urn:ietf:params:acme:error:${name}`, detail, status: 400, ...extra });

describe("toIssuanceError", () => {
  it.each([
    {
      name: "rate limit keeps the CA's Retry-After",
      error: problem("rateLimited", "too many certificates for this exact set of names", { status: 429, retryAfter: 7200 }),
      want: { code: "rate_limited", status: 429, retryAfter: 7200, message: /^The CA's rate limit was reached: too many certificates/ },
    },
    {
      name: "rate limit without Retry-After waits an hour",
      error: problem("rateLimited", "slow down", { status: 429 }),
      want: { code: "rate_limited", status: 429, retryAfter: 3600 },
    },
    {
      name: "unreachable CA",
      error: new AcmeNetworkError("fetch failed", DIR),
      want: { code: "ca_unreachable", status: 503, message: `Could not reach the ACME CA at ${DIR}; nothing was stored` },
    },
    {
      name: "unreachable CA after every repeat: says which request gave up",
      error: new AcmeNetworkError("fetch failed", DIR, { kind: "newOrder", attempts: 6 }),
      want: { code: "ca_unreachable", status: 503, message: `Could not reach the ACME CA at ${DIR} (newOrder failed 6 times); nothing was stored` },
    },
    {
      name: "rejected identifier is a 400 that names the subproblem",
      error: problem("rejectedIdentifier", "Error creating new order", { subproblems: [{ type: "urn:ietf:params:acme:error:rejectedIdentifier", detail: "Domain forbidden by policy", identifier: { type: "dns", value: "bad.example" } }] }),
      want: { code: "bad_request", status: 400, message: /bad\.example: Domain forbidden by policy/ },
    },
    {
      name: "CAA forbids",
      error: problem("caa", "CAA record for example.com prevents issuance"),
      want: { code: "bad_request", status: 400, message: /CAA record/ },
    },
    {
      name: "server-internal at the CA",
      error: problem("serverInternal", "oops", { status: 500 }),
      want: { code: "ca_error", status: 502, message: "The ACME CA returned an error (serverInternal): oops" },
    },
    {
      name: "a wait that ran out",
      error: new AcmeTimeoutError("order https://ca.test/o/1 is still processing", {}),
      want: { code: "ca_error", status: 502, message: /did not finish in time/ },
    },
    {
      name: "an unknown failure reveals nothing",
      error: new TypeError("secret internals at 0xdeadbeef"),
      want: { code: "internal", status: 500, message: "Issuance failed unexpectedly" },
    },
  ])("$name", ({ error, want }) => {
    const got = toIssuanceError(error, DIR);
    expect(got).toBeInstanceOf(AppError);
    expect(got.code).toBe(want.code);
    expect(got.status).toBe(want.status);
    if ("retryAfter" in want) expect(got.retryAfter).toBe(want.retryAfter);
    if (want.message instanceof RegExp) expect(got.message).toMatch(want.message);
    else if (want.message) expect(got.message).toBe(want.message);
  });
});

describe("isPermanentAcmeFailure", () => {
  it.each([
    ["rejectedIdentifier", true],
    ["caa", true],
    ["badCSR", true],
    ["unauthorized", true],
    ["rateLimited", false],
    ["serverInternal", false],
    ["badNonce", false],
  ])("%s → %s", (name, want) => {
    expect(isPermanentAcmeFailure(problem(name))).toBe(want);
    expect(isPermanentAcmeFailure(toIssuanceError(problem(name), DIR))).toBe(want);
  });

  it("an unreachable CA is worth retrying", () => {
    expect(isPermanentAcmeFailure(new AcmeNetworkError("down", DIR))).toBe(false);
  });
});
