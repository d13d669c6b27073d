/**
 * Validation messages (http/validation.ts): a missing value is "Required"; a value given but wrong says what is wrong
 * with it, naming the parameter. First on schemas alone, then through real routes (query parameters and a JSON body).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { describeZodError } from "../../../src/http/validation";
import { ADMIN_TOKEN, call, newTenant, type Tenant } from "../../support/api";

const schema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    page: z.coerce.number().int("must be a whole number"),
    order: z.enum(["asc", "desc"]).default("desc"),
    kind: z.enum(["a", "b"], { error: "must be a or b" }).optional(),
    name: z.string().min(1, "must not be empty").optional(),
    settings: z.object({ region: z.string(), retries: z.number().optional() }).optional(),
    pem: z.string().optional(),
  })
  .superRefine((value, ctx) => {
    if (value.pem === undefined && value.name === "needs-pem") ctx.addIssue({ code: "custom", path: ["pem"], message: "Required: the PEM" });
  });

function describe_(input: Record<string, unknown>, target = "query") {
  const result = schema.safeParse(input);
  if (result.success) throw new Error(`${JSON.stringify(input)} passed`);
  return describeZodError(result.error, target, input);
}

describe("describeZodError", () => {
  it.each([
    [{}, "page: Required"],
    [{ page: "1", settings: {} }, "settings.region: Required"],
  ])("says a missing value is required: %j", (input, message) => {
    expect(describe_(input).message).toBe(message);
  });

  it.each([
    [{ page: "abc" }, "page: must be a number"],
    [{ page: "1.5" }, "page: must be a whole number"],
    [{ page: "1", limit: "abc" }, "limit: must be a number"],
    [{ page: "1", limit: ["1", "2"] }, "limit: must be a number"],
    [{ page: "1", limit: "1.5" }, "limit: must be an integer"],
    [{ page: "1", order: "up" }, "order: must be one of asc, desc"],
    [{ page: "1", kind: "c" }, "kind: must be a or b"],
    [{ page: "1", name: 42 }, "name: must be a string"],
    [{ page: "1", name: null }, "name: must be a string"],
    [{ page: "1", settings: "eu" }, "settings: must be an object"],
    [{ page: "1", settings: { region: "eu", retries: "3" } }, "settings.retries: must be a number"],
  ])("says what is wrong with a value given: %j", (input, message) => {
    expect(describe_(input)).toEqual({ message, param: message.slice(0, message.indexOf(":")) });
  });

  it("keeps the other rules' messages, zod's or the schema's", () => {
    expect(describe_({ page: "1", limit: "0" }).message).toBe("limit: Too small: expected number to be >=1");
    expect(describe_({ page: "1", name: "" }).message).toBe("name: must not be empty");
    expect(describe_({ page: "1", name: "needs-pem" }).message).toBe("pem: Required: the PEM");
  });

  it("names the body, or the target, when the problem is the whole input", () => {
    const result = z.object({ a: z.string() }).safeParse("text");
    expect(describeZodError(result.error!, "json", "text")).toEqual({ message: "body: must be an object", param: undefined });
    expect(describeZodError(result.error!, "json", undefined)).toEqual({ message: "body: Required", param: undefined });
  });
});

describe("validation messages on real routes", () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await newTenant();
  });

  it.each([
    ["/api/v1/certificates?limit=abc", "limit: must be a number"],
    ["/api/v1/certificates?limit=1.5", "limit: must be an integer"],
    ["/api/v1/certificates?limit=", "limit: must be at least 1"],
    ["/api/v1/audit-log?limit=ten", "limit: must be a number"],
    ["/api/v1/audit-log?limit=2.5", "limit: must be an integer"],
  ])("a query parameter of the wrong type: GET %s", async (path, message) => {
    const res = await call("GET", path, { token: tenant.token });
    expect(res.status, res.text).toBe(400);
    expect(res.body).toMatchObject({ success: false, code: "validation_failed", error: message });
  });

  it("a query parameter outside its values, on the OpenAI surface", async () => {
    const res = await call("GET", "/v1/organization/certificates?order=up", { token: tenant.token });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error).toMatchObject({ message: "order: must be one of asc, desc", param: "order" });
  });

  it.each([
    [{ slug: "ok" }, "name: Required"],
    [{ slug: "ok", name: 42 }, "name: must be a string"],
    [{ slug: "ok", name: null }, "name: must be a string"],
  ])("a JSON body field missing or of the wrong type: %j", async (json, message) => {
    const res = await call("POST", "/api/v1/teams", { token: ADMIN_TOKEN, json });
    expect(res.status, res.text).toBe(400);
    expect(res.body).toMatchObject({ success: false, code: "validation_failed", error: message });
  });
});
