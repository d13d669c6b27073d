/** `GET /.well-known/acme-challenge/:token`: HTTP-01 answers (RFC 8555 §8.3), read from KV and nothing else. */
import { Hono } from "hono";
import type { AppBindings } from "../http/context";
import { http01Key } from "../issuance/http01-solver";

/** RFC 8555 §8.1: a token is base64url with at least 128 bits of entropy; bound it for the KV key. */
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

export const wellKnownRoutes = new Hono<AppBindings>().get("/.well-known/acme-challenge/:token", async (c) => {
  const token = c.req.param("token");
  const keyAuthorization = TOKEN.test(token) ? await c.var.deps.challenges.get(http01Key(token)) : null;
  if (keyAuthorization === null) return c.text("Not found", 404);
  // The CA validates several times from several places: the answer must be the same each time.
  return c.text(keyAuthorization, 200, { "Cache-Control": "no-store" });
});
