/**
 * `/api/v1/webhooks`: where the team's certificate events are sent, signed as Standard Webhooks
 * (https://www.standardwebhooks.com/): the endpoints, and each one's recent delivery attempts.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  updateWebhookEndpoint,
} from "../../services/webhooks/endpoints";
import { CERTIFICATE_EVENT_TYPES } from "../../services/webhooks/events";
import { ATTEMPTS_KEPT } from "../../services/webhooks/delivery";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrorSchema, nativeErrors, newRouter } from "../router";
import { sendTestEvent } from "../../services/webhooks/test-event";
import { webhookAttemptSchema, webhookAttemptView, webhookEndpointSchema, webhookEndpointView, webhookEventTypeSchema, webhookTestSchema } from "./webhooks-views";
import { raises } from "../openapi-errors";

/** The longest URL accepted (the push URLs' limit, deploy/push-url.ts). */
const MAX_URL_LENGTH = 2048;

const urlField = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
  .describe("Where events are POSTed: https:// on a host that is and resolves to public addresses only");

const eventsField = z
  .array(webhookEventTypeSchema)
  .min(1, "must name at least one event type")
  .max(CERTIFICATE_EVENT_TYPES.length * 2)
  .describe(`Event types to send here: ${CERTIFICATE_EVENT_TYPES.join(", ")}`);

const createBody = z
  .object({ url: urlField, events: eventsField.optional().describe("Event types to send here (default: every type)") })
  .strict()
  .openapi("NewWebhookEndpoint");

const patchBody = z
  .object({
    url: urlField.optional().describe("A new URL, checked as at creation. It gets a new signing secret, returned once in the answer as `secret`"),
    events: eventsField.optional(),
    disabled: z.boolean().optional().describe("true: stop sending (messages waiting are dropped); false: send again"),
  })
  .strict()
  .refine((body) => body.url !== undefined || body.events !== undefined || body.disabled !== undefined, { message: "give url, events or disabled" })
  .openapi("WebhookEndpointChanges");

const createdSchema = webhookEndpointSchema
  .extend({
    secret: z
      .string()
      .describe("The Standard Webhooks signing secret (`whsec_` and base64): shown this once, keep it to verify `webhook-signature`"),
  })
  .openapi("CreatedWebhookEndpoint");

const changedSchema = webhookEndpointSchema
  .extend({
    secret: z
      .string()
      .optional()
      .describe("Only when the URL changed: the new URL's signing secret, shown this once; the old one no longer signs anything"),
  })
  .openapi("ChangedWebhookEndpoint");

const idParam = z.object({ id: z.string().min(1).max(64) });

const deliveriesQuery = z.object({
  limit: z.coerce
    .number()
    .int("must be a whole number")
    .min(1)
    .max(ATTEMPTS_KEPT)
    .optional()
    .describe(`Attempts to list, newest first (default 50, at most ${ATTEMPTS_KEPT}: what is kept per endpoint)`),
});

const read = [requireScope("webhooks:read")];
const write = [requireScope("webhooks:write")];
const tags = ["Webhooks"];

export const webhookRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/webhooks",
      ...raises("limit_reached", "dns_provider_error"),
      summary: "Add a webhook endpoint (scope webhooks:write)",
      description:
        "Certificate events (issued, renewed, renewal_failed, expiring, expired, revoked, uploaded, deleted, deployed, deployment_failed) are POSTed " +
        "here as Standard Webhooks: body `{type, timestamp, data}`, headers `webhook-id` (the same on every retry), `webhook-timestamp` and " +
        "`webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` with the secret). `certificate.expiring` adds `thresholdDays` " +
        "and `daysLeft`, in days to two decimals (a short lifetime's thresholds fall between whole days). The answer holds the secret, shown this once. " +
        "A `ping` event (`data`: `endpointId`, `teamId`) is sent only on request, by POST /api/v1/webhooks/{id}/test.",
      tags,
      security: bearerSecurity,
      middleware: write,
      request: { body: jsonBody(createBody, undefined, { url: "https://hooks.example.com/certdesk", events: ["certificate.renewed", "certificate.expiring"] }) },
      responses: {
        201: jsonResponse(createdSchema, "The endpoint and its signing secret"),
        ...nativeErrors,
        409: jsonResponse(nativeErrorSchema, "The team has as many endpoints as it may (WEBHOOK_ENDPOINTS_PER_TEAM)"),
        502: jsonResponse(nativeErrorSchema, "The URL's name could not be resolved to check it; nothing was stored"),
      },
    }),
    async (c) => {
      const { row, secret } = await createWebhookEndpoint(c.var.deps, c.var.auth.teamId, c.req.valid("json"), auditedCommit(c));
      return c.json({ ...webhookEndpointView(row), secret }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/webhooks",
      summary: "List the team's webhook endpoints",
      tags,
      security: bearerSecurity,
      middleware: read,
      responses: { 200: jsonResponse(z.object({ endpoints: z.array(webhookEndpointSchema) }), "The endpoints, oldest first"), ...nativeErrors },
    }),
    async (c) => {
      const rows = await listWebhookEndpoints(c.var.deps, c.var.auth.teamId);
      return c.json({ endpoints: rows.map(webhookEndpointView) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/webhooks/{id}",
      summary: "Get one webhook endpoint",
      tags,
      security: bearerSecurity,
      middleware: read,
      request: { params: idParam },
      responses: { 200: jsonResponse(webhookEndpointSchema, "The endpoint"), ...nativeErrors },
    }),
    async (c) => c.json(webhookEndpointView(await getWebhookEndpoint(c.var.deps, c.var.auth.teamId, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/webhooks/{id}",
      ...raises("dns_provider_error"),
      summary: "Change a webhook endpoint's URL or events, or disable or enable it",
      tags,
      security: bearerSecurity,
      middleware: write,
      request: { params: idParam, body: jsonBody(patchBody, undefined, { disabled: true }) },
      responses: {
        200: jsonResponse(changedSchema, "The endpoint as changed (with its new secret when the URL changed)"),
        ...nativeErrors,
        502: jsonResponse(nativeErrorSchema, "The new URL's name could not be resolved to check it; nothing was changed"),
      },
    }),
    async (c) => {
      const { row, secret } = await updateWebhookEndpoint(c.var.deps, c.var.auth.teamId, c.req.valid("param").id, c.req.valid("json"), auditedCommit(c));
      return c.json({ ...webhookEndpointView(row), ...(secret !== undefined ? { secret } : {}) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/webhooks/{id}",
      summary: "Remove a webhook endpoint (messages still waiting for it are dropped)",
      tags,
      security: bearerSecurity,
      middleware: write,
      request: { params: idParam },
      responses: { 200: jsonResponse(z.object({ success: z.literal(true), message: z.string() }), "Removed"), ...nativeErrors },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await deleteWebhookEndpoint(c.var.deps, c.var.auth.teamId, id, auditedCommit(c));
      return c.json({ success: true as const, message: `Webhook endpoint ${id} removed` }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/webhooks/{id}/deliveries",
      summary: "The endpoint's recent delivery attempts, newest first",
      description: `Each attempt: the message (\`webhook-id\`) and event, which attempt it was, the receiver's status or the error, and when it is tried next. The newest ${ATTEMPTS_KEPT} attempts per endpoint are kept.`,
      tags,
      security: bearerSecurity,
      middleware: read,
      request: { params: idParam, query: deliveriesQuery },
      responses: { 200: jsonResponse(z.object({ deliveries: z.array(webhookAttemptSchema) }), "The attempts"), ...nativeErrors },
    }),
    async (c) => {
      const rows = await listWebhookDeliveries(c.var.deps, c.var.auth.teamId, c.req.valid("param").id, c.req.valid("query").limit ?? 50);
      return c.json({ deliveries: rows.map(webhookAttemptView) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/webhooks/{id}/test",
      summary: "Send a signed `ping` event to the endpoint now, and show the receiver's answer (scope webhooks:write)",
      description:
        "The URL is checked and the event signed and POSTed exactly as deliveries are (same headers, secret and timeout), once, " +
        "also to a disabled endpoint, so it can be tried before it is enabled again. The answer is 200 whenever the test ran: " +
        "`delivered` says whether the receiver answered 2xx, `status` and `body` what it answered, `error` why it was not delivered. " +
        "The attempt joins the delivery log as a `ping`; it is not retried and does not count toward disabling the endpoint.",
      tags,
      security: bearerSecurity,
      middleware: write,
      request: { params: idParam },
      responses: { 200: jsonResponse(webhookTestSchema, "What the receiver answered, or why nothing was delivered"), ...nativeErrors },
    }),
    async (c) => c.json(await sendTestEvent(c.var.deps, c.var.auth.teamId, c.req.valid("param").id, auditedCommit(c)), 200),
  );
