/**
 * The e2e run's webhook receiver (Node side, started by the e2e global setup): every POST under /hooks/ is recorded
 * with its headers and its body exactly as received, and answered as the test set that path to: 204 ("ok"), 503
 * ("down"), 500 at once ("error"), or the connection closed without an answer ("closed"). It verifies nothing: the tests verify signatures
 * with the `standardwebhooks` library. Control, on the same port:
 *   GET  /control/deliveries?path=/hooks/x   [{path, headers, body, at}] of that path, oldest first
 *   POST /control/mode {path, mode}          how that path answers from now on
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { type FakeHttpServer, listenLocally } from "./fake-http-server";
import type { ReceivedWebhook, ReceiverMode } from "./webhook-receiver-client";

export type WebhookReceiverServer = FakeHttpServer;

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startWebhookReceiver(): Promise<WebhookReceiverServer> {
  const received: ReceivedWebhook[] = [];
  const modes = new Map<string, ReceiverMode>();

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://receiver");
    const body = await bodyOf(req);
    if (req.method === "POST" && url.pathname.startsWith("/hooks/")) {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers[name] = value;
      received.push({ path: url.pathname, headers, body, at: Date.now() });
      const mode = modes.get(url.pathname) ?? "ok";
      if (mode === "closed") return void req.socket.destroy();
      if (mode === "error") return void res.writeHead(500).end("internal error");
      res.writeHead(mode === "down" ? 503 : 204).end(mode === "down" ? "down for maintenance" : undefined);
      return;
    }
    if (req.method === "GET" && url.pathname === "/control/deliveries") {
      const path = url.searchParams.get("path");
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(received.filter((r) => r.path === path)));
      return;
    }
    if (req.method === "POST" && url.pathname === "/control/mode") {
      const { path, mode } = JSON.parse(body) as { path: string; mode: ReceiverMode };
      modes.set(path, mode);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ path, mode }));
      return;
    }
    res.writeHead(404).end("not found");
  });
  return await listenLocally(server);
}
