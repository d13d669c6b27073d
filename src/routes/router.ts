/** Shared pieces for declaring routes with zod schemas (one source for validation and OpenAPI). */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppBindings } from "../http/context";
import { validationHook } from "../http/validation";

/** A router whose schema failures become specific 400s, rendered by each surface's error style. */
export function newRouter() {
  return new OpenAPIHono<AppBindings>({ defaultHook: validationHook });
}

/**
 * A required JSON request body, with an example a client can send as it is (typed as the schema's input, and sent by
 * test/unit/routes/openapi-examples.test.ts to check the service accepts it).
 */
export function jsonBody<T extends z.ZodType>(schema: T, description?: string, example?: z.input<T>) {
  const media = example === undefined ? { schema } : { schema, example };
  return { required: true, description, content: { "application/json": media } } as const;
}

/** An optional JSON request body (an empty body is the defaults), with its example as jsonBody's. */
export function optionalJsonBody<T extends z.ZodType>(schema: T, example: z.input<T>, description?: string) {
  return { ...jsonBody(schema, description, example), required: false } as const;
}

/** A JSON response. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}

export const bearerSecurity = [{ Bearer: [] as string[] }];

/** Native error body, declared once for the OpenAPI document. */
export const nativeErrorSchema = z
  .object({ success: z.literal(false), error: z.string(), code: z.string() })
  .openapi("Error");

/** The shared wording of the common error statuses; the document's every error status is derived in openapi-errors.ts. */
export const nativeErrors = {
  400: jsonResponse(nativeErrorSchema, "Invalid input"),
  401: jsonResponse(nativeErrorSchema, "Missing or invalid token"),
  403: jsonResponse(nativeErrorSchema, "Token lacks the scope"),
  404: jsonResponse(nativeErrorSchema, "Not found (or another team's)"),
} as const;
