/** The body of both export routes: an optional recipient public key (JWK) to seal the private key to. */
import { z } from "@hono/zod-openapi";
import type { RecipientJwk } from "../crypto/recipient-jwe";
import { EXAMPLE_RECIPIENT_JWK } from "./openapi-example-material";
import { optionalJsonBody } from "./router";

const base64url = z.string().min(1, "must not be empty").max(64, "must be at most 64 characters").regex(/^[A-Za-z0-9_-]+$/, "must be base64url");

// A private JWK carries its secret in `d` (RFC 7518 §6.2.2.1, §6.2.1 for OKP in RFC 8037 §2): refused, so that a
// caller who pasted the wrong half learns it here rather than having sent a private key for nothing.
const noPrivatePart = z
  .unknown()
  .refine(() => false, "must be a public key: this JWK carries `d`, its private part; send the public members only")
  .optional()
  .describe("Must be absent: a private key is refused");

const p256 = z
  .object({ kty: z.literal("EC"), crv: z.literal("P-256", "must be P-256 for an EC recipient"), x: base64url, y: base64url, d: noPrivatePart })
  .loose();
const x25519 = z
  .object({ kty: z.literal("OKP"), crv: z.literal("X25519", "must be X25519 for an OKP recipient"), x: base64url, d: noPrivatePart })
  .loose();

export const recipientJwkSchema = z
  .discriminatedUnion("kty", [p256, x25519], { error: "must be a P-256 (EC) or X25519 (OKP) public key as a JWK" })
  .openapi("RecipientJwk", {
    description:
      "A public key (JWK, RFC 7517) to seal the private key to: `{kty: \"EC\", crv: \"P-256\", x, y}` or `{kty: \"OKP\", crv: \"X25519\", x}`. " +
      "A JWK with `d` (a private key) and other key types are refused with 400.",
  });

export const exportBody = z
  .object({
    recipient: recipientJwkSchema
      .optional()
      .describe("When given, the private key is returned only as a compact JWE (ECDH-ES, A256GCM) that this key's holder can decrypt"),
  })
  .strict();

/** The export routes' request body: optional (no body, the key comes back as PEM), its example sealed to a P-256 key. */
export const exportRequestBody = optionalJsonBody(exportBody, { recipient: EXAMPLE_RECIPIENT_JWK });

/** The recipient the schema accepted, as the sealing code types it (`d` is known to be absent). */
export function recipientOf(body: z.infer<typeof exportBody>): RecipientJwk | undefined {
  return body.recipient as RecipientJwk | undefined;
}
