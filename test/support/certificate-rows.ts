/**
 * Certificate rows written straight into D1, as a renewal or an upload leaves them, for tests that need many more than
 * issuing would give in time (the metrics aggregates and the dashboard's summary). Nothing here parses their PEM.
 */
import { env } from "cloudflare:test";

export const DAY = 86_400_000;

export interface SeededCertificate {
  id: string;
  type: "letsencrypt" | "custom";
  issuer: string;
  state: "active" | "revoked";
  createdAt: number;
  expiresAt: number;
  renewalFailures: number;
}

/** Rows as a renewal or an upload leaves them; the PEM columns hold placeholders (nothing here parses them). */
export async function insertCertificateRows(teamId: string, rows: readonly SeededCertificate[]): Promise<void> {
  const statements = rows.map((r) =>
    env.DB.prepare(
      `INSERT INTO certificates (id, team_id, project_id, type, state, domain, names, certificate_pem, sealed_key, key_type, issuer, serial,
         fingerprint, issued_at, expires_at, auto_renew, next_renewal_at, renewal_failures, created_at, updated_at)
       VALUES (?, ?, NULL, ?, ?, ?, ?, 'placeholder', 'placeholder', 'EC-P256', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).bind(
      r.id, teamId, r.type, r.state, `${r.id}.example.com`, JSON.stringify([`${r.id}.example.com`]), r.issuer, r.id, r.id,
      r.expiresAt - 90 * DAY, r.expiresAt, r.type === "letsencrypt" ? 1 : 0, r.type === "letsencrypt" ? r.expiresAt - 30 * DAY : null,
      r.renewalFailures, r.createdAt, r.createdAt,
    ),
  );
  await env.DB.batch(statements);
}

/** `count` rows created one millisecond apart from `base`, expiring `firstDay`, `firstDay + 1`… days after `now`. */
export function farRows(prefix: string, count: number, base: number, now: number, firstDay: number): SeededCertificate[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${String(i).padStart(5, "0")}`,
    type: i % 3 === 0 ? "custom" : "letsencrypt",
    issuer: i % 3 === 0 ? "CN=Example Uploaded CA" : "CN=E6, O=Let's Encrypt, C=US",
    state: i % 17 === 5 ? "revoked" : "active",
    createdAt: base + i,
    expiresAt: now + (firstDay + (i % 50)) * DAY + i,
    renewalFailures: 0,
  }));
}

