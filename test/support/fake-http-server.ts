/**
 * Mounts a fake of a provider's API (a plain `(Request) => Promise<Response>` handler) on a local HTTP port, on the
 * Node side of the e2e run, so the Worker under `wrangler dev` reaches it like the real API.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";

export type RequestHandler = (request: Request) => Promise<Response>;

export interface FakeHttpServer {
  baseUrl: string;
  close(): Promise<void>;
}

async function toRequest(req: IncomingMessage): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = chunks.length ? Buffer.concat(chunks) : undefined;
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  return new Request(`http://${req.headers.host ?? "127.0.0.1"}${req.url}`, {
    method: req.method,
    headers,
    ...(body && req.method !== "GET" && req.method !== "HEAD" ? { body: new Uint8Array(body) } : {}),
  });
}

export async function startFakeHttpServer(handle: RequestHandler): Promise<FakeHttpServer> {
  const server: Server = createServer(async (req, res) => {
    try {
      const response = await handle(await toRequest(req));
      response.headers.forEach((value, name) => res.setHeader(name, value));
      res.writeHead(response.status);
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`fake failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  return await listenLocally(server);
}

/** Listens on a free port of 127.0.0.1; `close` also drops the connections still open. */
export async function listenLocally(server: Server): Promise<FakeHttpServer> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
