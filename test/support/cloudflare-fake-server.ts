/**
 * Cloudflare's DNS API, played by the fake of its documented endpoints, on a local HTTP port (Node side
 * of the e2e run). Every TXT change is mirrored into pebble-challtestsrv, which Pebble queries: so a
 * DNS-01 issuance through the Worker's Cloudflare adapter is validated for real.
 */
import { createServer, type Server } from "node:http";
import { createCloudflareFake } from "./dns-fakes/cloudflare";

export const E2E_CLOUDFLARE_TOKEN = "e2e-cloudflare-api-token-0123456789abcdef";
export const E2E_CLOUDFLARE_ZONE = "certdesk.test";

export interface CloudflareFakeServer {
  baseUrl: string;
  /** Where TXT changes go; set once challtestsrv is up. */
  setChalltestsrv(url: string): void;
  close(): Promise<void>;
}

export async function startCloudflareFakeServer(): Promise<CloudflareFakeServer> {
  let challtestsrv: string | null = null;
  const fake = createCloudflareFake({
    apiToken: E2E_CLOUDFLARE_TOKEN,
    zones: [E2E_CLOUDFLARE_ZONE],
    async onChange(fqdn, values) {
      if (!challtestsrv) throw new Error("challtestsrv is not up yet");
      const host = fqdn.endsWith(".") ? fqdn : `${fqdn}.`;
      // challtestsrv keeps one value list per name: clear, then add each value back.
      await fetch(`${challtestsrv}/clear-txt`, { method: "POST", body: JSON.stringify({ host }) });
      for (const value of values) await fetch(`${challtestsrv}/set-txt`, { method: "POST", body: JSON.stringify({ host, value }) });
    },
  });
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      ...(body && req.method !== "GET" && req.method !== "HEAD" ? { body: new Uint8Array(body) } : {}),
    });
    const response = await fake.handle(request);
    response.headers.forEach((value, name) => res.setHeader(name, value));
    res.writeHead(response.status);
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    setChalltestsrv: (url) => void (challtestsrv = url),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
