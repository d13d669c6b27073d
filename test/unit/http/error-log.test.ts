/**
 * What handleError logs of an unexpected error: its kind and where it was thrown, never its message. A failed D1
 * query's message lists the query's parameters on its second line; they must not reach the log.
 */
import { Hono } from "hono";
import { afterEach, expect, it, vi } from "vitest";
import { handleError } from "../../../src/app";
import type { AppBindings } from "../../../src/http/context";

afterEach(() => vi.restoreAllMocks());

it("logs a 500's kind and stack frames, not the lines of its message", async () => {
  const logged: string[] = [];
  vi.spyOn(console, "error").mockImplementation((line: unknown) => void logged.push(String(line)));
  const secret = `value-${crypto.randomUUID()}`;
  const app = new Hono<AppBindings>();
  app.post("/api/v1/cas", () => {
    throw new Error(`Failed query: select "id" from "certificate_authorities" where "name" = ?\nparams: team_x,${secret},1`);
  });
  app.onError(handleError);
  const response = await app.request("/api/v1/cas", { method: "POST" });
  expect(response.status).toBe(500);
  expect(await response.json()).toEqual({ success: false, error: "Internal server error", code: "internal" });
  expect(logged).toHaveLength(1);
  expect(logged[0]).toMatch(/^request - POST \/api\/v1\/cas failed: Error at /);
  expect(logged[0]).not.toContain(secret);
  expect(logged[0]).not.toContain("params:");
});
