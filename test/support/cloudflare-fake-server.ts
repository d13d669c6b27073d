/**
 * Cloudflare's DNS API, played by the fake of its documented endpoints, on a local HTTP port (Node side
 * of the e2e run). Every TXT change is mirrored into pebble-challtestsrv, which Pebble queries: so a
 * DNS-01 issuance through the Worker's Cloudflare adapter is validated for real.
 */
import { createCloudflareFake } from "./dns-fakes/cloudflare";
import { startFakeHttpServer } from "./fake-http-server";

export const E2E_CLOUDFLARE_TOKEN = "e2e-cloudflare-api-token-0123456789abcdef";
export const E2E_CLOUDFLARE_ZONE = "certdesk.test";
/** The Worker's ACME_DELEGATION_ZONE in the e2e run: inside the fake's zone, so delegated TXT writes go to challtestsrv too. */
export const E2E_DELEGATION_ZONE = "acme-delegation.certdesk.test";

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
  const server = await startFakeHttpServer((request) => fake.handle(request));
  return {
    baseUrl: server.baseUrl,
    setChalltestsrv: (url) => void (challtestsrv = url),
    close: server.close,
  };
}
