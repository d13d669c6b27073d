/**
 * Counters of the service itself, not of any team (`service_counters`): what the operator's `GET /metrics` shows
 * about the Worker's own health. One UPSERT per count; counting never throws, so it cannot add a failure of its own.
 */
import { asc, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { serviceCounters } from "../db/schema";
import { type CounterLabels, counterKey } from "./metric-counters";

/** Every service counter, by its name in `service_counters`. */
export type ServiceCounterName = "cron_stage_failures";

/** Adds `by` to the counter's row for `labels`; a count that cannot be written is logged and lost. */
export async function countServiceEvent(db: Database, name: ServiceCounterName, labels: CounterLabels, now: number, by = 1): Promise<void> {
  try {
    await db
      .insert(serviceCounters)
      .values({ name, labels: counterKey(labels), value: by, updatedAt: now })
      .onConflictDoUpdate({
        target: [serviceCounters.name, serviceCounters.labels],
        set: { value: sql`${serviceCounters.value} + excluded.value`, updatedAt: sql`excluded.updated_at` },
      });
  } catch (error) {
    console.error(`metrics: ${name} not counted: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** What `GET /metrics` reads of them: at most `limit` rows, in key order. */
export function serviceCounterRowsQuery(db: Database, limit: number) {
  return db
    .select({ name: serviceCounters.name, labels: serviceCounters.labels, value: serviceCounters.value })
    .from(serviceCounters)
    .orderBy(asc(serviceCounters.name), asc(serviceCounters.labels))
    .limit(limit);
}

export type ServiceCounterRow = Awaited<ReturnType<typeof serviceCounterRowsQuery>>[number];
