/**
 * The deploy targets' APIs for the e2e run (Node side): Cloudflare's SSL endpoints, ACM's ImportCertificate and an HTTPS
 * push receiver, each on its own local port for the Worker to reach, plus a control port the tests read what each holds
 * from and take a target down with. The control port reports whether each held key matches its certificate, never the
 * key itself. A misbehaving receiver (its URLs at the control port's /misbehaving) answers 200 with 200 MiB, streamed
 * and never held, or 429 with a Retry-After of 10^13 seconds.
 */
import "reflect-metadata";
import { createServer, type ServerResponse } from "node:http";
import { X509Certificate } from "@peculiar/x509";
import { createAcmFake } from "./deploy-fakes/aws-acm";
import { createCloudflareSslFake } from "./deploy-fakes/cloudflare-ssl";
import { keyMismatch } from "./deploy-fakes/key-match";
import { E2E_DEPLOY } from "./deploy-fakes/e2e-credentials";
import { createPushReceiver } from "./deploy-fakes/push-receiver";
import { type FakeHttpServer, listenLocally, startFakeHttpServer } from "./fake-http-server";

export type DeployFakeName = "cloudflare" | "acm" | "push";

export interface DeployFakesServer {
  cloudflareUrl: string;
  acmUrl: string;
  pushUrl: string;
  controlUrl: string;
  close(): Promise<void>;
}

/** The leaf's serial as hex without leading zeros, lower case: how the tests compare serials. */
function serialOf(certificatePem: string): string {
  return new X509Certificate(certificatePem).serialNumber.toLowerCase().replace(/^0+/, "");
}

function headersOf(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => void (out[name] = value));
  return out;
}

async function held(certificatePem: string | undefined, keyPem: string | undefined) {
  if (!certificatePem || !keyPem) return { serial: null, keyMatches: false };
  return { serial: serialOf(certificatePem), keyMatches: (await keyMismatch(certificatePem, keyPem)) === undefined };
}

const HUGE_BYTES = 200 * 1024 * 1024;

/** Writes `bytes` to `res` 64 KiB at a time as the peer takes them; stops when the peer goes. Returns what was written. */
function streamHuge(res: ServerResponse, bytes: number, written: (n: number) => void): void {
  const chunk = Buffer.alloc(64 * 1024, "a");
  let sent = 0;
  let closed = false;
  res.on("close", () => {
    closed = true;
    written(sent);
  });
  res.on("error", () => undefined);
  res.writeHead(200, { "content-type": "application/json" });
  const pump = () => {
    while (!closed && sent < HUGE_BYTES) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    if (!closed) res.end();
  };
  pump();
}

/** `/huge`: 200 and 200 MiB. `/patient`: 429, Retry-After 10000000000000. The push itself is not read. */
async function startMisbehavingReceiver(): Promise<FakeHttpServer & { hugeBytesSent: number[] }> {
  const hugeBytesSent: number[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.url?.startsWith("/huge")) return streamHuge(res, HUGE_BYTES, (n) => hugeBytesSent.push(n));
      res.writeHead(429, { "retry-after": "10000000000000", "content-type": "text/plain" });
      res.end("slow down");
    });
  });
  return { ...(await listenLocally(server)), hugeBytesSent };
}

export async function startDeployFakes(): Promise<DeployFakesServer> {
  const cloudflare = createCloudflareSslFake({ apiToken: E2E_DEPLOY.cloudflareToken, zones: { [E2E_DEPLOY.zoneId]: E2E_DEPLOY.zoneName } });
  const acm = createAcmFake({ accessKeyId: E2E_DEPLOY.awsAccessKeyId, secretAccessKey: E2E_DEPLOY.awsSecretAccessKey, region: E2E_DEPLOY.awsRegion });
  const push = createPushReceiver({ secret: E2E_DEPLOY.pushSecret });
  const fakes = { cloudflare, acm, push };

  async function state() {
    return {
      cloudflare: {
        customHostnames: await Promise.all(
          [...cloudflare.customHostnames.values()].map(async (h) => ({ id: h.id, hostname: h.hostname, ...(await held(h.ssl.certificatePem, h.ssl.keyPem)) })),
        ),
        customCertificates: await Promise.all(
          [...cloudflare.customCertificates.values()].map(async (c) => ({ id: c.id, hosts: c.hosts, ...(await held(c.certificatePem, c.keyPem)) })),
        ),
      },
      acm: {
        certificates: await Promise.all(
          [...acm.certificates].map(async ([arn, c]) => ({ arn, imports: c.imports, hasChain: !!c.chainPem, ...(await held(c.certificatePem, c.privateKeyPem)) })),
        ),
      },
      push: {
        deliveries: push.deliveries.map((d) => ({ url: d.url, headers: headersOf(d.headers), body: d.body, problem: d.problem ?? null })),
      },
    };
  }

  const [cloudflareServer, acmServer, pushServer, misbehaving] = await Promise.all([
    startFakeHttpServer((request) => cloudflare.handle(request)),
    startFakeHttpServer((request) => acm.handle(request)),
    startFakeHttpServer((request) => push.handle(request)),
    startMisbehavingReceiver(),
  ]);
  const control = await startFakeHttpServer(async (request) => {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/state") return Response.json(await state());
    if (request.method === "GET" && url.pathname === "/misbehaving") {
      return Response.json({ hugeUrl: `${misbehaving.baseUrl}/huge`, patientUrl: `${misbehaving.baseUrl}/patient`, hugeBytesSent: misbehaving.hugeBytesSent });
    }
    if (request.method === "POST" && url.pathname === "/down") {
      const { fake, on } = (await request.json()) as { fake: DeployFakeName; on: boolean };
      if (!(fake in fakes)) return new Response(`unknown fake ${fake}`, { status: 400 });
      fakes[fake].down(on);
      return Response.json({ fake, down: on });
    }
    return new Response("not found", { status: 404 });
  });
  return {
    cloudflareUrl: cloudflareServer.baseUrl,
    acmUrl: acmServer.baseUrl,
    pushUrl: `${pushServer.baseUrl}/hooks/certdesk`,
    controlUrl: control.baseUrl,
    close: async () => {
      await Promise.all([cloudflareServer.close(), acmServer.close(), pushServer.close(), misbehaving.close(), control.close()]);
    },
  };
}
