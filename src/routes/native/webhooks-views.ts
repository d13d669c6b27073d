/** The native API's webhook shapes: an endpoint (never its secret), one delivery attempt, and a test event's outcome. */
import { z } from "@hono/zod-openapi";
import { CERTIFICATE_EVENT_TYPES, isCertificateEventType, WEBHOOK_EVENT_TYPES } from "../../services/webhooks/events";
import type { WebhookAttemptRow, WebhookEndpointRow } from "../../store/webhooks";
import { recordTime } from "./wire-time";

const time = (instant: number | null) => (instant === null ? null : recordTime(instant));

export const webhookEventTypeSchema = z.enum(CERTIFICATE_EVENT_TYPES, { error: `must be one of ${CERTIFICATE_EVENT_TYPES.join(", ")}` });

/** What a delivery carried: a subscribed type, or `ping`, the test event. */
const deliveredEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES).describe("The event's type; `ping` is the test event (POST /api/v1/webhooks/{id}/test)");

export const webhookEndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(webhookEventTypeSchema).describe("The event types sent here"),
    disabled: z.boolean().describe("Nothing is recorded or sent for a disabled endpoint; PATCH `{\"disabled\": false}` enables it again"),
    disabledReason: z
      .string()
      .nullable()
      .describe("Why it is disabled: through the API, the receiver answered 410 Gone, or every delivery failed for 3 days (with the last error)"),
    disabledAt: z.string().nullable(),
    failingSince: z.string().nullable().describe("The first failure of the current run of failures; null after a success"),
    lastError: z.string().nullable().describe("Why the last delivery failed; null after a success"),
    lastDeliveredAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("WebhookEndpoint");

export const webhookAttemptSchema = z
  .object({
    id: z.string(),
    messageId: z.string().describe("The `webhook-id` header: the same on every attempt of one message"),
    eventId: z.string().describe("The event: one per change, shared by the messages to each endpoint"),
    eventType: deliveredEventTypeSchema,
    attempt: z.number().int().describe("1 for the first attempt of the message"),
    outcome: z.enum(["delivered", "retrying", "failed"]).describe("failed: given up (after the last retry, or the endpoint was disabled)"),
    statusCode: z.number().int().nullable().describe("The receiver's HTTP status; null when it did not answer or nothing was sent"),
    error: z.string().nullable(),
    at: z.string(),
    nextRetryAt: z.string().nullable().describe("When the message is tried again (retrying only)"),
  })
  .openapi("WebhookDelivery");

export function webhookEndpointView(row: WebhookEndpointRow): z.infer<typeof webhookEndpointSchema> {
  return {
    id: row.id,
    url: row.url,
    events: row.events.filter(isCertificateEventType),
    disabled: row.disabledAt !== null,
    disabledReason: row.disabledReason,
    disabledAt: time(row.disabledAt),
    failingSince: time(row.failingSince),
    lastError: row.lastError,
    lastDeliveredAt: time(row.lastDeliveredAt),
    createdAt: recordTime(row.createdAt),
    updatedAt: recordTime(row.updatedAt),
  };
}

export function webhookAttemptView(row: WebhookAttemptRow): z.infer<typeof webhookAttemptSchema> {
  return {
    id: row.id,
    messageId: row.messageId,
    eventId: row.eventId,
    eventType: row.eventType as z.infer<typeof deliveredEventTypeSchema>,
    attempt: row.attempt,
    outcome: row.outcome as z.infer<typeof webhookAttemptSchema>["outcome"],
    statusCode: row.statusCode,
    error: row.error,
    at: recordTime(row.at),
    nextRetryAt: time(row.nextRetryAt),
  };
}

export const webhookTestSchema = z
  .object({
    delivered: z.boolean().describe("true when the receiver answered 2xx"),
    status: z.number().int().nullable().describe("The receiver's HTTP status; null when nothing was sent or no answer came"),
    body: z.string().describe("The start of the receiver's body as text (at most 1024 characters; \"\" when none)"),
    durationMs: z.number().int().describe("From the URL check to the answer"),
    error: z.string().nullable().describe("Why it was not delivered (a refused address, a timeout, the receiver's status); null when delivered"),
    eventId: z.string().describe("The test event, as the delivery log shows it"),
    messageId: z.string().describe("The `webhook-id` header the receiver saw"),
  })
  .openapi("WebhookTestResult");
