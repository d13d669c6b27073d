/** The native API's DNS connection shape: its name, provider and zones, never its credentials. */
import { z } from "@hono/zod-openapi";
import type { DnsConnectionRow } from "../../store/dns-connections";
import { recordTime } from "./wire-time";

export const dnsConnectionSchema = z
  .object({
    id: z.string().describe("Give it as `dnsConnectionId` to obtain a certificate over DNS-01"),
    name: z.string(),
    provider: z.string().describe("The DNS host (the names `dnsProvider` takes)"),
    zones: z.array(z.string()).describe("The zones the provider listed for these credentials when they were last checked (at most 50)"),
    createdAt: z.string(),
    updatedAt: z.string().describe("Its last rename or credential rotation"),
  })
  .openapi("DnsConnection", {
    example: {
      id: "dnc_3fK9q2LmP0aZ7xYb1cDe",
      name: "cloudflare-prod",
      provider: "cloudflare",
      zones: ["example.com", "example.net"],
      createdAt: "2026-01-01T00:00:00.000Z",
      updatedAt: "2026-01-01T00:00:00.000Z",
    },
  });

export function dnsConnectionView(row: DnsConnectionRow): z.infer<typeof dnsConnectionSchema> {
  return { id: row.id, name: row.name, provider: row.provider, zones: row.zones, createdAt: recordTime(row.createdAt), updatedAt: recordTime(row.updatedAt) };
}
