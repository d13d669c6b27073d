/** Wire schemas of the OpenAI-compatible surface (OpenAI API reference: organization and project certificates); times in Unix seconds. */
import { z } from "@hono/zod-openapi";
import type { ListedCertificate, OrganizationCertificateRow } from "../../services/organization-certificates";
import { jsonResponse } from "../router";
import { unixSeconds } from "./wire-time";

export const openaiErrorSchema = z
  .object({
    error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string().nullable() }),
  })
  .openapi("OpenAIError");

export const openaiErrors = {
  400: jsonResponse(openaiErrorSchema, "Invalid input"),
  401: jsonResponse(openaiErrorSchema, "Missing or invalid admin key"),
  403: jsonResponse(openaiErrorSchema, "Key lacks the scope"),
  404: jsonResponse(openaiErrorSchema, "Not found (or another organization's)"),
} as const;

const certificateDetails = z.object({
  valid_at: z.number().int().optional().describe("Unix seconds: when the certificate becomes valid"),
  expires_at: z.number().int().optional().describe("Unix seconds: when the certificate expires"),
  content: z.string().optional().describe("The certificate in PEM format (retrieve with include[]=content)"),
});

const baseFields = {
  id: z.string(),
  name: z.string().nullable(),
  created_at: z.number().int().describe("Unix seconds: when the certificate was uploaded"),
  certificate_details: certificateDetails,
};

export const certificateSchema = z
  .object({ object: z.literal("certificate"), ...baseFields })
  .openapi("OpenAICertificate");

export const organizationCertificateSchema = z
  .object({ object: z.literal("organization.certificate"), ...baseFields, active: z.boolean() })
  .openapi("OpenAIOrganizationCertificate");

export const projectCertificateSchema = z
  .object({ object: z.literal("organization.project.certificate"), ...baseFields, active: z.boolean() })
  .openapi("OpenAIOrganizationProjectCertificate");

export const listOf = <T extends z.ZodType>(item: T, name: string) =>
  z
    .object({
      object: z.literal("list"),
      data: z.array(item),
      first_id: z.string().nullable(),
      last_id: z.string().nullable(),
      has_more: z.boolean(),
    })
    .openapi(name);

export const activationOf = <T extends z.ZodType, O extends string>(item: T, objects: readonly [O, ...O[]], name: string) =>
  z.object({ object: z.enum(objects), data: z.array(item) }).openapi(name);

/** The `certificate` object of create / retrieve / update. */
export function certificateView(row: OrganizationCertificateRow, withContent = false) {
  return {
    object: "certificate" as const,
    id: row.id,
    name: row.name,
    created_at: unixSeconds(row.createdAt),
    certificate_details: {
      valid_at: unixSeconds(row.validAt),
      expires_at: unixSeconds(row.expiresAt),
      ...(withContent ? { content: row.contentPem } : {}),
    },
  };
}

/** A listed certificate with its activation at the scope listed. */
export function listedView<O extends "organization.certificate" | "organization.project.certificate">(object: O, item: ListedCertificate) {
  const { object: _certificate, certificate_details, ...rest } = certificateView(item.row);
  return { object, ...rest, certificate_details, active: item.active };
}

/** `{ object: "list", data, first_id, last_id, has_more }`. */
export function listView<T extends { id: string }>(data: T[], hasMore: boolean) {
  return {
    object: "list" as const,
    data,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
    has_more: hasMore,
  };
}

export const certificateIdsBody = z.object({
  certificate_ids: z
    .array(z.string().min(1, "must not be empty").max(64, "must be at most 64 characters"))
    .min(1, "must name at least one certificate")
    .max(10, "must name at most 10 certificates"),
});

export const listQuery = z.object({
  limit: z.coerce.number().int("must be an integer").min(1, "must be at least 1").max(100, "must be at most 100").default(20),
  after: z.string().min(1).max(64).optional().describe("A certificate id: the list continues after it (the previous page's last_id)"),
  order: z.enum(["asc", "desc"]).default("desc").describe("Sort order by created_at"),
});
