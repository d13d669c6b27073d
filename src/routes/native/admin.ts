/** Operator endpoints (Bearer ADMIN_TOKEN); each is recorded in the audit log with `operator` as the actor. */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { isoSeconds } from "../../core/time";
import { NO_TEAM } from "../../store/audit-log";
import { auditedCommit } from "../../http/audited-commit";
import { requireAdmin } from "../../http/auth";
import type { AppBindings } from "../../http/context";
import type { Deps } from "../../services/deps";
import { refreshRenewalInfo } from "../../services/ari-refresh";
import { resealEverything } from "../../services/reseal";
import { ROLLOVER_BATCH, deactivateAcmeAccounts, rollOverAcmeAccounts } from "../../services/acme-accounts";
import { getTeam } from "../../services/teams";
import { sweepDueDeployments } from "../../services/deploy-targets/sweep";
import { sweepDueCertificates } from "../../services/renewal-sweep";
import { sweepWebhooks } from "../../services/webhooks/sweep";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrors, newRouter } from "../router";
import { raises } from "../openapi-errors";

const sweepBody = z
  .object({
    asOf: z.iso
      .datetime({ message: "must be an ISO 8601 date-time" })
      .optional()
      .describe("Judge due-ness as of this instant (default now): renew ahead of schedule, or rehearse a future sweep"),
    batchSize: z.number().int().min(1).max(200).optional(),
  })
  .strict();

/** The renewal tick only sends messages, so it takes many more at once (RENEWALS_PER_TICK by default). */
const renewalSweepBody = sweepBody.extend({
  batchSize: z.number().int().min(1).max(100_000).optional().describe("Certificates to put on the renewal queue at most (default RENEWALS_PER_TICK)"),
});

/** A route that runs one cron tick by hand, taking `{asOf?, batchSize?}` and answering what the tick did. */
function tickRoute<T extends z.ZodType>(
  path: string,
  summary: string,
  description: string | undefined,
  result: T,
  resultDescription: string,
  body: typeof sweepBody = sweepBody,
) {
  return createRoute({
    method: "post",
    path,
    summary,
    ...(description ? { description } : {}),
    tags: ["Operator"],
    security: bearerSecurity,
    middleware: [requireAdmin()],
    request: { body: jsonBody(body, undefined, { batchSize: 50 }) },
    responses: { 200: jsonResponse(result, resultDescription), ...nativeErrors },
  });
}

/**
 * Runs a tick as of the body's `asOf` (default now). Recorded before it runs, in no team's log (a tick touches many
 * teams): a tick that cannot be recorded does not run.
 */
async function runTick<R>(c: Context<AppBindings>, body: z.infer<typeof sweepBody>, tick: (deps: Deps, asOf: number, batchSize?: number) => Promise<R>): Promise<R> {
  const asOf = body.asOf ? Date.parse(body.asOf) : c.var.deps.clock.now();
  const detail = { asOf: isoSeconds(asOf), batchSize: body.batchSize ?? null };
  await auditedCommit(c)({ teamId: NO_TEAM, statements: [], target: "", detail });
  return tick(c.var.deps, asOf, body.batchSize);
}

const counts = { due: z.number(), failed: z.number(), ids: z.array(z.string()) };

export const adminRoutes = newRouter().openapi(
  tickRoute(
    "/admin/renewal-sweep",
    "Run one renewal sweep tick now (what the cron trigger runs)",
    "Claims the certificates due at `asOf` (teams in turn, each team's most overdue first) and puts them on the renewal " +
      "queue, whose consumer renews them: the answer comes before the renewals; each certificate's status tells how its went.",
    z.object({
      due: z.number().describe("Due certificates claimed by this tick"),
      enqueued: z.number().describe("Put on the renewal queue"),
      failed: z.number().describe("Claimed but refused by the queue: given back for the next tick"),
      ids: z.array(z.string()).describe("The enqueued certificates, in queue order"),
    }),
    "What the tick found and put on the queue",
    renewalSweepBody,
  ),
  async (c) => c.json(await runTick(c, c.req.valid("json"), sweepDueCertificates), 200),
).openapi(
  tickRoute(
    "/admin/deploy-sweep",
    "Run one deploy sweep now (what the cron trigger runs after the renewal sweep)",
    "Delivers to each deploy target that lacks its project's current certificate and whose backoff has passed at `asOf`.",
    z.object({ ...counts, delivered: z.number() }),
    "What the tick found and how its deliveries went",
  ),
  async (c) => c.json(await runTick(c, c.req.valid("json"), sweepDueDeployments), 200),
).openapi(
  tickRoute(
    "/admin/ari-refresh",
    "Run one ARI refresh now (what the cron trigger runs after the sweeps)",
    "Fetches the CA's renewal information (RFC 9773) again for each certificate whose next check (the CA's Retry-After, " +
      "kept between 1 h and 6 h) has passed at `asOf`, stores the window and its explanation, and moves the next renewal " +
      "of a renewing certificate into a window that moved.",
    z.object({
      ...counts,
      refreshed: z.number(),
      moved: z.number().describe("Refreshed certificates whose next renewal moved with the window"),
      failed: z.number().describe("No usable answer from the CA: asked again later"),
      stale: z.number().describe("Changed while the CA was asked (renewed, replaced, revoked): nothing written"),
      retired: z.number().describe("Expired or revoked: not asked about again"),
    }),
    "What the tick found and how its fetches went",
  ),
  async (c) => c.json(await runTick(c, c.req.valid("json"), refreshRenewalInfo), 200),
).openapi(
  tickRoute(
    "/admin/webhook-sweep",
    "Run one webhook sweep now (what the cron trigger runs after the ARI refresh)",
    "Announces the expiry notices due at `asOf` (`certificate.expiring`, `certificate.expired`; a certificate that renews itself only once its " +
      "renewal failed or is overdue), then runs a delivery round: the webhook " +
      "messages due at `asOf` that nothing holds, every team's in turn, as many as the free delivery slots, onto the webhook queue, judged due " +
      "on that clock (a moved `asOf` sends retries now).",
    z.object({
      announced: z.number().describe("Expiry notices announced"),
      due: z.number().describe("Webhook messages the round took"),
      enqueued: z.number().describe("Of those, put on the webhook queue"),
      failed: z.number().describe("Refused by the queue: taken again by a later round"),
      ids: z.array(z.string()).describe("The messages the round took (their `webhook-id`), in the order sent"),
    }),
    "What the tick announced and sent",
  ),
  async (c) => c.json(await runTick(c, c.req.valid("json"), sweepWebhooks), 200),
).openapi(
  createRoute({
    method: "post",
    path: "/admin/reseal",
    summary: "Seal every stored secret again under the current ENCRYPTION_KEY (after a rotation)",
    description:
      "Reads each sealed value with the current or a previous key (ENCRYPTION_KEY_PREVIOUS) and writes it back sealed under the current one. " +
      "Once it reports nothing unreadable, the previous key can be removed.",
    tags: ["Operator"],
    security: bearerSecurity,
    middleware: [requireAdmin()],
    responses: {
      200: jsonResponse(
        z.object({ resealed: z.number(), unreadable: z.array(z.string()).describe("table.column:id of values no configured key opens") }),
        "What was sealed again",
      ),
      ...nativeErrors,
    },
  }),
  async (c) => {
    // Recorded before it runs, in no team's log (it touches every team's rows): a reseal that cannot be recorded does
    // not run. What it did is its answer; the values never leave their columns.
    await auditedCommit(c)({ teamId: NO_TEAM, statements: [], target: "", detail: {} });
    return c.json(await resealEverything(c.var.deps), 200);
  },
).openapi(
  createRoute({
    method: "post",
    path: "/admin/acme-accounts/rollover",
    ...raises("conflict", "ca_error", "ca_unreachable"),
    summary: "Roll over the key of the teams' ACME accounts (RFC 8555 §7.3.5)",
    description:
      "Each matching account (all when no filter) gets a new key at its CA; the account, its URL and its certificates stay. " +
      "At most `batchSize` accounts per call, in id order: pass `next` back as `after` for the following batch. " +
      "An issuance running on an account while its key changes fails once and is retried like any CA error.",
    tags: ["Operator"],
    security: bearerSecurity,
    middleware: [requireAdmin()],
    request: {
      body: jsonBody(
        z
          .object({
            teamId: z.string().min(1).optional().describe("Only this team's accounts"),
            directoryUrl: z.url().optional().describe("Only accounts at this ACME directory"),
            after: z.string().min(1).optional().describe("The `next` of the previous call"),
            batchSize: z.number().int().min(1).max(ROLLOVER_BATCH.max).optional().describe(`Default ${ROLLOVER_BATCH.default}`),
          })
          .strict(),
        undefined,
        { teamId: "team_0123456789abcdef", batchSize: 20 },
      ),
    },
    responses: {
      200: jsonResponse(
        z.object({
          rolledOver: z.number(),
          failed: z.array(z.object({ teamId: z.string(), directoryUrl: z.string(), error: z.string() })),
          next: z.string().nullable().describe("Pass as `after` to continue; null when no matching account is left"),
        }),
        "What was rolled over, and each failure with the CA's words",
      ),
      ...nativeErrors,
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    // Recorded before any CA hears of it (in the team's log when one is named): a rollover that cannot be recorded
    // does not run. The filter only; keys never leave the sealed column.
    const detail = { teamId: body.teamId ?? null, directoryUrl: body.directoryUrl ?? null, after: body.after ?? null, batchSize: body.batchSize ?? null };
    await auditedCommit(c)({ teamId: body.teamId ?? NO_TEAM, statements: [], target: body.teamId ?? "", detail });
    return c.json(await rollOverAcmeAccounts(c.var.deps, body), 200);
  },
).openapi(
  createRoute({
    method: "post",
    path: "/admin/acme-accounts/deactivate",
    ...raises("ca_error", "ca_unreachable"),
    summary: "Deactivate a team's ACME accounts at their CAs (RFC 8555 §7.3.6) and forget them",
    description:
      "For a team being removed: the CA refuses every later request from those accounts, for good. Best effort: an account " +
      "the CA could not deactivate is reported and kept, so the call can be repeated. The team's next issuance, if any, creates a new account.",
    tags: ["Operator"],
    security: bearerSecurity,
    middleware: [requireAdmin()],
    request: { body: jsonBody(z.object({ teamId: z.string().min(1) }).strict(), undefined, { teamId: "team_0123456789abcdef" }) },
    responses: {
      200: jsonResponse(
        z.object({
          deactivated: z.number(),
          failed: z.array(z.object({ teamId: z.string(), directoryUrl: z.string(), error: z.string() })),
        }),
        "What was deactivated, and each failure with the CA's words",
      ),
      ...nativeErrors,
    },
  }),
  async (c) => {
    const { teamId } = c.req.valid("json");
    await getTeam(c.var.deps.db, teamId);
    // Recorded in the team's log before any CA hears of it: a deactivation that cannot be recorded does not run.
    await auditedCommit(c)({ teamId, statements: [], target: teamId, detail: {} });
    return c.json(await deactivateAcmeAccounts(c.var.deps, teamId), 200);
  },
);
