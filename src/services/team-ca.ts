/** A team's CA as the mTLS features read it (client-certificate-issue.ts, ca-publish.ts): another team's is a 404. */
import { and, eq } from "drizzle-orm";
import { AppError } from "../core/errors";
import type { Database } from "../db/client";
import { certificateAuthorities } from "../db/schema";

export type CaRow = typeof certificateAuthorities.$inferSelect;

/** The team's CA `caId`, or a 404 (naming `param` when the id came in a body). */
export async function requireTeamCa(db: Database, teamId: string, caId: string, param?: string): Promise<CaRow> {
  const row = await db.query.certificateAuthorities.findFirst({ where: and(eq(certificateAuthorities.teamId, teamId), eq(certificateAuthorities.id, caId)) });
  if (!row) throw new AppError("not_found", `CA ${caId} not found`, param ? { param } : {});
  return row;
}
