/** zod schemas for the ACME resources read off the wire (RFC 8555 §7.1.2–§7.1.6) and their types. */
import { z } from "zod";
import { problemSchema } from "./problem";

/** RFC 8555 §9.7.7 identifier: `dns` (and `ip`, RFC 8738). */
export const identifierSchema = z.object({ type: z.string(), value: z.string() });
export type AcmeIdentifier = z.infer<typeof identifierSchema>;

/** RFC 8555 §7.1.2 account object. */
export const accountSchema = z.object({
  status: z.enum(["valid", "deactivated", "revoked"]),
  contact: z.array(z.string()).optional(),
  termsOfServiceAgreed: z.boolean().optional(),
  orders: z.string().optional(),
  externalAccountBinding: z.unknown().optional(),
});
export type AcmeAccount = z.infer<typeof accountSchema>;

/** RFC 8555 §7.1.3 order object (+ `profile`, `replaces` from the profiles and ARI extensions). */
export const orderSchema = z.object({
  status: z.enum(["pending", "ready", "processing", "valid", "invalid"]),
  expires: z.string().optional(),
  identifiers: z.array(identifierSchema),
  notBefore: z.string().optional(),
  notAfter: z.string().optional(),
  error: problemSchema.optional(),
  authorizations: z.array(z.url()),
  finalize: z.url(),
  certificate: z.url().optional(),
  profile: z.string().optional(),
  replaces: z.string().optional(),
});
export type AcmeOrderObject = z.infer<typeof orderSchema>;

/** RFC 8555 §8 challenge object; type-specific fields (token) are optional so unknown types still parse. */
export const challengeSchema = z.object({
  type: z.string(),
  url: z.url(),
  status: z.enum(["pending", "processing", "valid", "invalid"]),
  validated: z.string().optional(),
  error: problemSchema.optional(),
  token: z.string().optional(),
});
export type AcmeChallenge = z.infer<typeof challengeSchema>;

/** RFC 8555 §7.1.4 authorization object. */
export const authorizationSchema = z.object({
  identifier: identifierSchema,
  status: z.enum(["pending", "valid", "invalid", "deactivated", "expired", "revoked"]),
  expires: z.string().optional(),
  challenges: z.array(challengeSchema),
  wildcard: z.boolean().optional(),
});
export type AcmeAuthorizationObject = z.infer<typeof authorizationSchema>;

/** What every read returns besides the object: where it lives and when the CA wants the next poll. */
export interface ResourceMeta {
  /** The resource's URL (RFC 8555 §7.1: the Location header for created resources). */
  url: string;
  /** Seconds from the Retry-After header, when the CA sent one (RFC 8555 §7.5.1, §7.4). */
  retryAfter?: number;
}

export type AcmeOrder = AcmeOrderObject & ResourceMeta;
export type AcmeAuthorization = AcmeAuthorizationObject & ResourceMeta;
