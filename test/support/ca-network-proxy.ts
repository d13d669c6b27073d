/**
 * The network between the Worker and its CA, for the e2e run: an HTTPS proxy in front of Pebble that the tests can
 * disturb on purpose, the way a restarting CA or a flaky path does, so the service's retry policy is tested against
 * failures that happen at a known request instead of by chance:
 *   - cut every open connection now (what a CA restart does to pooled keep-alive connections);
 *   - reset the connection of the next N requests of a kind, either before the CA sees them or after the CA has
 *     answered (the answer is lost: the ambiguous case for requests that change state);
 *   - refuse every new connection for a while (the CA is briefly unreachable).
 * Host headers pass through, so Pebble's URLs keep pointing at the proxy.
 *
 * Control (plain HTTP, JSON):
 *   POST /faults {kind, when: "before"|"after", times}   kind: one of REQUEST_KINDS or "any"
 *   POST /cut                                            destroy every open client connection
 *   POST /refuse {ms}                                    reset every new connection for ms
 *   POST /clear                                          no faults
 *   GET  /log                                            [{kind, method, path, fault?}] of every request since /clear
 *   GET  /orders?name=<name>[&name=…]                    {count}: orders the CA created naming any of these names
 * The orders are counted by name (each newOrder's identifiers, RFC 8555 §7.4, read from its JWS payload; never
 * cleared), so a test's count of its own orders holds whatever renewals other tests set off run meanwhile.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, request as httpsRequest } from "node:https";
import { readFileSync } from "node:fs";
import type { Socket } from "node:net";

/** Pebble's request paths (its wfe package) by ACME request kind. */
const PEBBLE_PATHS: Array<[prefix: string, kind: string]> = [
  ["/dir", "directory"],
  ["/nonce-plz", "newNonce"],
  ["/sign-me-up", "newAccount"],
  ["/order-plz", "newOrder"],
  ["/my-order/", "order"],
  ["/finalize-order/", "finalize"],
  ["/authZ/", "authorization"],
  ["/chalZ/", "challenge"],
  ["/certZ/", "certificate"],
  ["/revoke-cert", "revokeCert"],
  ["/my-account/", "account"],
];
export const REQUEST_KINDS = PEBBLE_PATHS.map(([, kind]) => kind);

interface Fault {
  kind: string;
  when: "before" | "after";
  times: number;
}

interface LogEntry {
  kind: string;
  method: string;
  path: string;
  fault?: "before" | "after" | "refused";
}

export interface CaNetworkProxy {
  /** The Worker's ACME directory through the proxy. */
  directoryUrl: string;
  controlUrl: string;
  close(): Promise<void>;
}

export function requestKind(path: string): string {
  return PEBBLE_PATHS.find(([prefix]) => path.startsWith(prefix))?.[1] ?? "other";
}

/**
 * Starts the proxy on 127.0.0.1 with `tls` (a certificate for localhost the Worker trusts) in front of the Pebble
 * whose directory `upstreamDirectory()` returns (read on every request: Pebble may move between restarts).
 */
export async function startCaNetworkProxy(tls: { cert: string; key: string; caCert: string }, upstreamDirectory: () => string): Promise<CaNetworkProxy> {
  const ca = readFileSync(tls.caCert);
  let faults: Fault[] = [];
  let refuseUntil = 0;
  let log: LogEntry[] = [];
  /** The identifier values of each order the CA created (answered 201 Created, RFC 8555 §7.4). */
  const orders: string[][] = [];
  const sockets = new Set<Socket>();

  const proxy = createHttpsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, (req, res) => {
    const path = req.url ?? "/";
    const entry: LogEntry = { kind: requestKind(path), method: req.method ?? "GET", path };
    log.push(entry);
    const fault = takeFault(entry.kind);
    if (fault?.when === "before") {
      entry.fault = "before";
      req.socket.destroy();
      return;
    }
    const loseAnswer = () => void ((entry.fault = "after"), req.socket.destroy());
    // An error answer (Pebble refuses a share of nonces, RFC 8555 §6.5) means the CA did not act: the fault waits for
    // the next answer of its kind, so "after" always follows a request the CA carried out.
    const giveBack = () => void faults.push({ kind: fault!.kind, when: "after", times: 1 });
    // The CA answers once it has read the whole request, so the body is complete by the time its status is known.
    const body: Buffer[] = [];
    if (entry.kind === "newOrder") req.on("data", (chunk: Buffer) => body.push(chunk));
    const answered = (status: number) => {
      if (entry.kind === "newOrder" && status === 201) orders.push(orderedNames(Buffer.concat(body)));
    };
    forward(req, res, answered, fault?.when === "after" ? { loseAnswer, giveBack } : undefined);
  });
  // A refused connection is reset as soon as it is accepted, before TLS: what a CA that is restarting looks like.
  proxy.on("connection", (socket: Socket) => {
    if (Date.now() < refuseUntil) {
      log.push({ kind: "connection", method: "-", path: "-", fault: "refused" });
      socket.resetAndDestroy();
      return;
    }
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  proxy.on("tlsClientError", () => {});

  function takeFault(kind: string): Pick<Fault, "kind" | "when"> | undefined {
    const fault = faults.find((f) => f.kind === kind || f.kind === "any");
    if (!fault) return undefined;
    if (--fault.times <= 0) faults = faults.filter((f) => f !== fault);
    return { kind: fault.kind, when: fault.when };
  }

  function forward(req: IncomingMessage, res: ServerResponse, answered: (status: number) => void, after?: { loseAnswer: () => void; giveBack: () => void }) {
    const upstream = new URL(upstreamDirectory());
    const outbound = httpsRequest(
      // A new upstream connection per request: a pooled one to a restarted Pebble would add faults nobody asked for.
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: endToEnd(req.headers), ca, agent: false },
      (answer) => {
        answered(answer.statusCode ?? 502);
        if (after && (answer.statusCode ?? 500) < 400) {
          // The CA has acted on the request; its answer never reaches the client.
          answer.resume();
          answer.once("end", after.loseAnswer);
          return;
        }
        if (after) after.giveBack();
        res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
        answer.pipe(res);
      },
    );
    outbound.on("error", () => req.socket.destroy());
    req.pipe(outbound);
  }

  const control = createHttpServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const body = req.method === "POST" ? await readJson(req) : {};
    const url = new URL(req.url ?? "/", "http://control");
    if (req.method === "GET" && url.pathname === "/orders") {
      // DNS names compare case-insensitively (RFC 4343): the Worker orders its normalized, lower-case form.
      const names = url.searchParams.getAll("name").map((name) => name.toLowerCase());
      if (names.length === 0) return send(400, { error: "name is required (one or more)" });
      return send(200, { count: orders.filter((identifiers) => identifiers.some((value) => names.includes(value))).length });
    }
    switch (`${req.method} ${req.url}`) {
      case "POST /faults": {
        const kind = String(body.kind ?? "");
        const when = body.when === "after" ? "after" : "before";
        const times = Number(body.times ?? 1);
        if (kind !== "any" && !REQUEST_KINDS.includes(kind)) return send(400, { error: `kind must be "any" or one of ${REQUEST_KINDS.join(", ")}` });
        if (!Number.isInteger(times) || times < 1) return send(400, { error: "times must be a positive integer" });
        faults.push({ kind, when, times });
        return send(200, { faults });
      }
      case "POST /cut": {
        const count = sockets.size;
        for (const socket of sockets) socket.destroy();
        return send(200, { cut: count });
      }
      case "POST /refuse": {
        const ms = Number(body.ms ?? 0);
        if (!Number.isFinite(ms) || ms < 0 || ms > 60_000) return send(400, { error: "ms must be 0..60000" });
        refuseUntil = Date.now() + ms;
        return send(200, { refuseUntil });
      }
      case "POST /clear":
        faults = [];
        refuseUntil = 0;
        log = [];
        return send(200, { ok: true });
      case "GET /log":
        return send(200, { requests: log });
      default:
        return send(404, { error: `no route ${req.method} ${req.url}` });
    }
  });

  await Promise.all([listen(proxy), listen(control)]);
  const port = (server: { address(): unknown }) => (server.address() as { port: number }).port;
  return {
    directoryUrl: `https://localhost:${port(proxy)}/dir`,
    controlUrl: `http://127.0.0.1:${port(control)}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all([close(proxy), close(control)]);
    },
  };
}

/** The identifier values a newOrder asks for: its flattened JWS's payload (RFC 7515 §7.2.2), base64url JSON. */
function orderedNames(jws: Buffer): string[] {
  try {
    const { payload } = JSON.parse(jws.toString("utf8")) as { payload: string };
    const { identifiers } = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { identifiers: Array<{ value: string }> };
    return identifiers.map((identifier) => identifier.value.toLowerCase());
  } catch {
    return [];
  }
}

/** RFC 9110 §7.6.1: hop-by-hop fields stay on their hop, so the client keeps its keep-alive connection to the proxy. */
function endToEnd<T extends Record<string, unknown>>(headers: T): T {
  const out = { ...headers };
  for (const name of ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]) delete out[name];
  return out;
}

function listen(server: { listen(port: number, host: string, cb: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
}

function close(server: { close(cb: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8").trim();
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
