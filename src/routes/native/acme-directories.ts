/** `/api/v1/acme-directories`: the team's ACME server endpoints and their External Account Binding keys. */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { AppError } from "../../core/errors";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import type { AppBindings } from "../../http/context";
import { createAcmeDirectory, createEabKey, deleteAcmeDirectory, type NewAcmeDirectory, requireTeamDirectory, revokeEabKey } from "../../services/acme-server/directories";
import { directoryPage, eabKeyOf, eabKeysOf } from "../../store/acme-server-directories";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrorSchema, nativeErrors, newRouter } from "../router";
import {
  createDirectoryBody,
  directoryIdParam,
  directorySchema,
  directoryView,
  eabKeyParams,
  eabKeySchema,
  eabKeyView,
  newEabKeySchema,
} from "./acme-directory-schemas";
import { cursorOf, pageQuery, parseCursor } from "./private-ca-schemas";
import { raises } from "../openapi-errors";

const originOf = (c: Context<AppBindings>) => new URL(c.req.url).origin;

const listSchema = z
  .object({ directories: z.array(directorySchema), next: z.string().nullable().describe("`before` for the next (older) page; null on the last page") })
  .openapi("AcmeDirectoryList");

const TAGS = ["ACME server"];

export const acmeDirectoryRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/acme-directories",
      ...raises("conflict"),
      summary: "Create an ACME server directory (scope acme-server:write)",
      description:
        "RFC 8555 clients (certbot, lego, Caddy, cert-manager) use `directoryUrl` with an EAB key of the directory. A `private` issuer signs with one of the " +
        "team's CAs and the given profile; `pre-approved` authorizes at order time the names in `allowedNames` (`*.x` = exactly one label) and the names " +
        "the team holds, and rejects others (`rejectedIdentifier`); `challenge` validates http-01 or dns-01 itself (RFC 8555 §8.3-8.4). A `relay` issuer " +
        "(always `pre-approved`, names the team holds only) places the client's CSR at the public CA on the team's ACME account and proves control itself " +
        "(http-01 through Certdesk's challenge route, or dns-01 through `dnsConnectionId` or `dnsDelegation`); the client keeps its key.",
      tags: TAGS,
      security: bearerSecurity,
      middleware: [requireScope("acme-server:write")],
      request: { body: jsonBody(createDirectoryBody, undefined, { name: "internal-servers", issuer: { type: "private", caId: "ca_0123456789abcdef", profile: "server" }, authorization: "challenge", allowedNames: ["*.internal.example.com"] }) },
      responses: { 201: jsonResponse(directorySchema, "The directory"), ...nativeErrors, 409: jsonResponse(nativeErrorSchema, "The team has a directory of that name") },
    }),
    async (c) => {
      const { db, clock, config } = c.var.deps;
      const ctx = { db, now: clock.now(), maxLeafDays: config.PRIVATE_CA_MAX_LEAF_DAYS, delegationAvailable: config.ACME_DELEGATION != null };
      const row = await createAcmeDirectory(ctx, c.var.auth.teamId, c.req.valid("json") as NewAcmeDirectory, auditedCommit(c));
      return c.json(directoryView(row, originOf(c)), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/acme-directories",
      summary: "The team's ACME directories, newest first (scope acme-server:read)",
      tags: TAGS,
      security: bearerSecurity,
      middleware: [requireScope("acme-server:read")],
      request: { query: pageQuery },
      responses: { 200: jsonResponse(listSchema, "A page of directories"), ...nativeErrors },
    }),
    async (c) => {
      const { limit, before } = c.req.valid("query");
      const page = await directoryPage(c.var.deps.db, c.var.auth.teamId, { limit, before: parseCursor(before) });
      return c.json({ directories: page.rows.map((row) => directoryView(row, originOf(c))), next: cursorOf(page.next) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/acme-directories/{id}",
      summary: "One ACME directory (scope acme-server:read)",
      tags: TAGS,
      security: bearerSecurity,
      middleware: [requireScope("acme-server:read")],
      request: { params: directoryIdParam },
      responses: { 200: jsonResponse(directorySchema, "The directory"), ...nativeErrors },
    }),
    async (c) => c.json(directoryView(await requireTeamDirectory(c.var.deps.db, c.var.auth.teamId, c.req.valid("param").id), originOf(c)), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/acme-directories/{id}",
      summary: "Delete an ACME directory (scope acme-server:write)",
      description: "Its URLs answer a 404 problem document from now on; the certificates it issued stay valid and in their CA's CRL.",
      tags: TAGS,
      security: bearerSecurity,
      middleware: [requireScope("acme-server:write")],
      request: { params: directoryIdParam },
      responses: { 204: { description: "Deleted" }, ...nativeErrors },
    }),
    async (c) => {
      const { db, clock } = c.var.deps;
      const row = await requireTeamDirectory(db, c.var.auth.teamId, c.req.valid("param").id);
      await deleteAcmeDirectory(db, row, clock.now(), auditedCommit(c));
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/acme-directories/{id}/eab-keys",
      summary: "Make an External Account Binding key (scope acme-server:write)",
      description: "RFC 8555 §7.3.4. `hmacKey` is shown in this answer only (it is sealed here); the key binds the first account made with it.",
      tags: TAGS,
      security: bearerSecurity,
      middleware: [requireScope("acme-server:write")],
      request: { params: directoryIdParam },
      responses: { 201: jsonResponse(newEabKeySchema, "The key, with its HMAC key"), ...nativeErrors },
    }),
    async (c) => {
      const { db, clock, config } = c.var.deps;
      const directory = await requireTeamDirectory(db, c.var.auth.teamId, c.req.valid("param").id);
      const { row, hmacKey } = await createEabKey({ db, encryptionKey: config.ENCRYPTION_KEY, now: clock.now() }, directory, auditedCommit(c));
      c.header("Cache-Control", "no-store");
      return c.json({ ...eabKeyView(row), hmacKey }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/acme-directories/{id}/eab-keys",
      summary: "The directory's EAB keys, newest first, never the HMAC key (scope acme-server:read)",
      tags: TAGS,
      security: bearerSecurity,
      middleware: [requireScope("acme-server:read")],
      request: { params: directoryIdParam },
      responses: { 200: jsonResponse(z.object({ eabKeys: z.array(eabKeySchema) }).openapi("AcmeEabKeyList"), "The keys"), ...nativeErrors },
    }),
    async (c) => {
      const { db } = c.var.deps;
      const directory = await requireTeamDirectory(db, c.var.auth.teamId, c.req.valid("param").id);
      return c.json({ eabKeys: (await eabKeysOf(db, directory.id)).map(eabKeyView) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/acme-directories/{id}/eab-keys/{keyId}",
      ...raises("conflict"),
      summary: "Revoke an EAB key: its account can no longer order (scope acme-server:write)",
      tags: TAGS,
      security: bearerSecurity,
      middleware: [requireScope("acme-server:write")],
      request: { params: eabKeyParams },
      responses: { 200: jsonResponse(eabKeySchema, "The key, revoked"), ...nativeErrors, 409: jsonResponse(nativeErrorSchema, "Already revoked") },
    }),
    async (c) => {
      const { db, clock } = c.var.deps;
      const { id, keyId } = c.req.valid("param");
      const directory = await requireTeamDirectory(db, c.var.auth.teamId, id);
      const key = await eabKeyOf(db, directory.id, keyId);
      if (!key) throw new AppError("not_found", `EAB key ${keyId} not found`);
      return c.json(eabKeyView(await revokeEabKey(db, key, clock.now(), auditedCommit(c))), 200);
    },
  );
