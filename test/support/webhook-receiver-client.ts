/** The e2e tests' side of the webhook receiver (test/support/webhook-receiver.ts): where it listens, what it got. */
import { inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** The webhook receiver's origin (http://127.0.0.1:…, allowed by ALLOW_PRIVATE_WEBHOOK_TARGETS in the e2e run). */
    webhookReceiverUrl: string;
  }
}

/** How a path of the receiver answers: 204, 503, 500 at once ("error"), or the connection closed without an answer. */
export type ReceiverMode = "ok" | "down" | "error" | "closed";

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string>;
  /** Exactly as received: what the signature covers. */
  body: string;
  at: number;
}

export const receiver = {
  /** A fresh path of the receiver, and its full URL for an endpoint. */
  newPath(label: string): { path: string; url: string } {
    const path = `/hooks/${label}-${crypto.randomUUID().slice(0, 8)}`;
    return { path, url: `${inject("webhookReceiverUrl")}${path}` };
  },
  async deliveries(path: string): Promise<ReceivedWebhook[]> {
    const response = await fetch(`${inject("webhookReceiverUrl")}/control/deliveries?path=${encodeURIComponent(path)}`);
    if (!response.ok) throw new Error(`receiver deliveries → ${response.status}`);
    return (await response.json()) as ReceivedWebhook[];
  },
  async mode(path: string, mode: ReceiverMode): Promise<void> {
    const response = await fetch(`${inject("webhookReceiverUrl")}/control/mode`, { method: "POST", body: JSON.stringify({ path, mode }) });
    if (!response.ok) throw new Error(`receiver mode → ${response.status}`);
  },
};
