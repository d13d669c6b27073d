/** Wire schemas of the Vercel-compatible surface (Vercel REST API reference: certs, client certificates, errors); times in epoch milliseconds. */
import { z } from "@hono/zod-openapi";
import type { CertificateRow } from "../../store/certificates";
import { jsonResponse } from "../router";
import { epochMs } from "./wire-time";

export const vercelErrorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .openapi("VercelError");

export const vercelErrors = {
  400: jsonResponse(vercelErrorSchema, "Invalid input"),
  401: jsonResponse(vercelErrorSchema, "Missing or invalid token"),
  403: jsonResponse(vercelErrorSchema, "Token lacks the scope"),
  404: jsonResponse(vercelErrorSchema, "Not found (or another team's)"),
} as const;

export const vercelCertSchema = z
  .object({
    id: z.string(),
    createdAt: z.number().int().describe("Epoch milliseconds"),
    expiresAt: z.number().int().describe("Epoch milliseconds"),
    autoRenew: z.boolean(),
    cns: z.array(z.string()).describe("The names the certificate covers"),
  })
  .openapi("VercelCert");

export type VercelCert = z.infer<typeof vercelCertSchema>;

/** A stored team-level certificate as Vercel's `Cert`. */
export function vercelCertView(row: CertificateRow): VercelCert {
  return { id: row.id, createdAt: epochMs(row.createdAt), expiresAt: epochMs(row.expiresAt), autoRenew: row.autoRenew, cns: row.names };
}

/** A PEM field: bounded so a pasted bundle fits and nothing larger is parsed. */
export const pemField = (max: number) => z.string().max(max, `must be at most ${max / 1024} KiB`);
