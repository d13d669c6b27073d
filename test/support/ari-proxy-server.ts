/**
 * A small ACME Renewal Information endpoint (RFC 9773) for the e2e run, since Pebble 2.4 has none:
 * it serves Pebble's directory with `renewalInfo` and two profiles added, and answers renewalInfo requests with a
 * window the test sets (POST /control/window {start, end, explanationURL?, retryAfter?, certId?}: for every certificate,
 * or for the one with that RFC 9773 §4.1 identifier; Retry-After is 6 h unless set). Every other ACME request goes
 * straight to Pebble (its URLs are kept).
 */
import { createServer, type Server } from "node:http";

export interface AriProxyServer {
  directoryUrl: string;
  controlUrl: string;
  close(): Promise<void>;
}

export async function startAriProxyServer(pebbleDirectory: () => string): Promise<AriProxyServer> {
  type Answer = { window: { start: string; end: string }; explanationURL?: string; retryAfter: string };
  // The answer for every certificate, and any set for one certificate (by its RFC 9773 §4.1 identifier).
  let answer: Answer | null = null;
  const answers = new Map<string, Answer>();
  const seen: string[] = [];
  let base = "";
  const server: Server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? "/", base);
    if (req.method === "GET" && url.pathname === "/dir") {
      const directory = (await (await fetch(pebbleDirectory())).json()) as Record<string, unknown>;
      // Profiles as Let's Encrypt lists them (draft-ietf-acme-profiles), so profile selection can be tested too.
      const meta = { ...((directory.meta as Record<string, unknown>) ?? {}), profiles: { classic: "The default", tlsserver: "Server auth only" } };
      return send(200, { ...directory, meta, renewalInfo: `${base}/renewal-info` });
    }
    if (req.method === "GET" && url.pathname.startsWith("/renewal-info/")) {
      const id = url.pathname.slice("/renewal-info/".length);
      seen.push(id);
      const found = answers.get(id) ?? answer;
      if (!found) return send(404, { type: "urn:ietf:params:acme:error:malformed", detail: "no window set" });
      res.setHeader("Retry-After", found.retryAfter);
      return send(200, { suggestedWindow: found.window, ...(found.explanationURL !== undefined ? { explanationURL: found.explanationURL } : {}) });
    }
    if (req.method === "POST" && url.pathname === "/control/window") {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const set = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { start: string; end: string; explanationURL?: string; retryAfter?: number; certId?: string };
      const made: Answer = {
        window: { start: set.start, end: set.end },
        ...(set.explanationURL !== undefined ? { explanationURL: set.explanationURL } : {}),
        retryAfter: String(set.retryAfter ?? 21600),
      };
      if (set.certId !== undefined) answers.set(set.certId, made);
      else answer = made;
      return send(200, { ok: true });
    }
    if (req.method === "GET" && url.pathname === "/control/seen") return send(200, { ids: seen });
    send(404, { error: "not found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return {
    directoryUrl: `${base}/dir`,
    controlUrl: `${base}/control`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
