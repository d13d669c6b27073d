/** The parts of an OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.1) that docs.ts fills in after generation. */

/** The operations a Path Item can hold (OpenAPI 3.1 §4.8.9). */
export const OPERATION_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

export interface OpenApiOperation {
  operationId?: string;
  tags?: string[];
  [field: string]: unknown;
}

/** A Path Item: its operations by method, beside its other fields (summary, parameters, …). */
export type OpenApiPathItem = Partial<Record<(typeof OPERATION_METHODS)[number], OpenApiOperation>> & {
  [field: string]: unknown;
};

export interface OpenApiTag {
  name: string;
  description?: string;
}

/** Redocly's `x-tagGroups` extension: how the docs group tags (https://redocly.com/docs/redoc/redoc-vendor-extensions); a tag in no group is not shown there. */
export interface OpenApiTagGroup {
  name: string;
  tags: string[];
}

export interface OpenApiDocument {
  paths?: Record<string, OpenApiPathItem>;
  webhooks?: Record<string, OpenApiPathItem>;
  tags?: OpenApiTag[];
  "x-tagGroups"?: OpenApiTagGroup[];
  [field: string]: unknown;
}
