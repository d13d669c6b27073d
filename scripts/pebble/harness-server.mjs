/**
 * The Node-side harness the in-workerd tests talk to over HTTP (127.0.0.1, dynamic port):
 *   GET  /health
 *   GET  /pebble                       main Pebble: { directoryUrl, managementUrl, running, nonceReject }
 *   GET  /pebble/new-orders            { count, logBytes } newOrder requests Pebble logged this run, and the size of its log
 *   POST /pebble/restart {nonceReject?} new root, no accounts, PEBBLE_WFE_NONCEREJECT=nonceReject (default 5)
 *   POST /pebble/stop                  the CA is down until /pebble/restart
 *   POST /pebble/extra {nonceReject?, alternateRoots?}  another Pebble (same challtestsrv, same HTTP-01 port): { id, directoryUrl, … }
 *   GET|POST /pebble/extra/<id>[/new-orders|/restart|/stop], DELETE /pebble/extra/<id>
 *   ANY  /unavailable/...              a CA that is down behind its load balancer: 503 to everything (CA fallback tests)
 *   GET|POST /dns-query                DNS-over-HTTPS from challtestsrv's DNS (JSON ?name=&type= for A, AAAA, CNAME, TXT, CAA; RFC 8484 ?dns= / POST)
 */
import { createServer } from "node:http";
import { createSocket } from "node:dgram";
import { Resolver } from "node:dns/promises";

const DNS_TYPES = { A: 1, CNAME: 5, TXT: 16, AAAA: 28, CAA: 257 };

/** Starts the harness on 127.0.0.1 (dynamic port). Returns { url, close }. */
export async function startHarnessServer({ stack, log = () => {} }) {
  let queue = Promise.resolve();
  /** Pebble restarts and stops run one at a time. */
  const serialized = (task) => {
    const next = queue.then(task, task);
    queue = next.catch(() => {});
    return next;
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://harness");
    const path = url.pathname;
    try {
      if (req.method === "GET" && path === "/health") return json(res, 200, { ok: true, pebble: stack.main.describe() });
      if (path === "/dns-query") return await dohAnswer(req, res, url, stack.dnsServer);
      if (path.startsWith("/unavailable/")) {
        // Answered, not refused: workerd prints a stack trace for every refused connection, even a handled one.
        res.writeHead(503, { "content-type": "text/html", "retry-after": "1" });
        return res.end("<html><body>503 Service Unavailable</body></html>");
      }
      // The main Pebble (the Worker's CA): /pebble/...; extra Pebbles: /pebble/extra/<id>/...
      const extra = /^\/pebble\/extra\/([0-9a-f]+)(\/[a-z-]+)?$/.exec(path);
      const server = extra ? stack.extras.get(extra[1]) : stack.main;
      const action = extra ? (extra[2] ?? "") : path.replace(/^\/pebble/, "");
      if (req.method === "POST" && path === "/pebble/extra") {
        const body = await readJson(req);
        const nonceReject = readNonceReject(body);
        const alternateRoots = Math.max(0, Math.min(3, Number(body.alternateRoots) || 0));
        const created = await serialized(() => stack.startExtra({ nonceReject, alternateRoots }));
        log(`extra pebble ${created.id} started (nonceReject=${nonceReject ?? "default"}, alternateRoots=${alternateRoots})`);
        return json(res, 200, created);
      }
      if (!server || !path.startsWith("/pebble")) return json(res, 404, { error: `no route ${req.method} ${path}` });
      if (req.method === "GET" && action === "") return json(res, 200, server.describe());
      if (req.method === "GET" && action === "/new-orders") return json(res, 200, { count: server.newOrderCount(), logBytes: server.logBytes() });
      if (req.method === "POST" && action === "/restart") {
        const nonceReject = readNonceReject(await readJson(req));
        await serialized(() => server.restart({ nonceReject }));
        log(`${server.name} restarted (nonceReject=${nonceReject ?? "default"})`);
        return json(res, 200, server.describe());
      }
      if (req.method === "POST" && action === "/stop") {
        await serialized(() => server.stop());
        log(`${server.name} stopped`);
        return json(res, 200, server.describe());
      }
      if (req.method === "DELETE" && extra && action === "") {
        await serialized(() => stack.stopExtra(extra[1]));
        return json(res, 200, { deleted: true });
      }
      return json(res, 404, { error: `no route ${req.method} ${path}` });
    } catch (error) {
      const status = error instanceof HarnessInputError ? 400 : 500;
      return json(res, status, { error: error instanceof Error ? error.message : String(error) });
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** RFC 8484 (wire format, GET ?dns= or POST) and the JSON API (GET ?name=&type=) as Cloudflare/Google serve it. */
async function dohAnswer(req, res, url, dnsServer) {
  if (req.method === "POST" || url.searchParams.has("dns")) {
    const query = req.method === "POST" ? await readBody(req) : Buffer.from(url.searchParams.get("dns") ?? "", "base64url");
    const answer = await udpExchange(query, dnsServer);
    res.writeHead(200, { "content-type": "application/dns-message", "content-length": answer.length });
    return res.end(answer);
  }
  const name = (url.searchParams.get("name") ?? "").replace(/\.$/, "");
  const typeName = (url.searchParams.get("type") ?? "A").toUpperCase();
  const type = DNS_TYPES[typeName] ?? Number(typeName);
  if (!name || !type) return json(res, 400, { error: "name and type are required" });
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([dnsServer]);
  const body = { Status: 0, TC: false, RD: true, RA: true, AD: false, CD: false, Question: [{ name: `${name}.`, type }], Answer: [] };
  try {
    if (type === DNS_TYPES.TXT) {
      for (const parts of await resolver.resolveTxt(name)) body.Answer.push({ name: `${name}.`, type, TTL: 60, data: `"${parts.join("")}"` });
    } else if (type === DNS_TYPES.A) {
      for (const address of await resolver.resolve4(name)) body.Answer.push({ name: `${name}.`, type, TTL: 60, data: address });
    } else if (type === DNS_TYPES.AAAA) {
      for (const address of await resolver.resolve6(name)) body.Answer.push({ name: `${name}.`, type, TTL: 60, data: address });
    } else if (type === DNS_TYPES.CNAME) {
      for (const target of await resolver.resolveCname(name)) body.Answer.push({ name: `${name}.`, type, TTL: 60, data: `${target}.` });
    } else if (type === DNS_TYPES.CAA) {
      for (const record of await resolver.resolveCaa(name)) body.Answer.push({ name: `${name}.`, type, TTL: 60, data: caaPresentation(record) });
    }
  } catch (error) {
    if (error.code === "ENOTFOUND") body.Status = 3;
    else if (error.code !== "ENODATA") body.Status = 2;
  }
  if (body.Answer.length === 0) delete body.Answer;
  res.writeHead(200, { "content-type": "application/dns-json" });
  res.end(JSON.stringify(body));
}

/**
 * A CAA record as Node's resolveCaa gives it ({ critical, <tag>: value }) in the presentation format Google's and
 * Cloudflare's JSON APIs answer with: `0 issue "letsencrypt.org"` (RFC 8659 §4.1).
 */
function caaPresentation(record) {
  const [tag, value] = Object.entries(record).find(([key]) => key !== "critical") ?? ["issue", ""];
  return `${record.critical ?? 0} ${tag} "${String(value).replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

function udpExchange(query, dnsServer) {
  const [host, port] = dnsServer.split(":");
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error("DNS query timed out"));
    }, 3000);
    socket.once("message", (message) => {
      clearTimeout(timer);
      socket.close();
      resolve(message);
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
    socket.send(query, Number(port), host);
  });
}

class HarnessInputError extends Error {}

function readNonceReject(body) {
  if (body.nonceReject === undefined || body.nonceReject === null) return undefined;
  const value = Number(body.nonceReject);
  if (!Number.isInteger(value) || value < 0 || value > 100) throw new HarnessInputError("nonceReject must be an integer percentage 0..100");
  return value;
}

function json(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function readJson(req) {
  const text = (await readBody(req)).toString("utf8").trim();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
