/** A row as the value list of an `INSERT … SELECT … WHERE <condition>`: a write made only while a condition holds, in one statement. */
import { type SQL, getTableColumns, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

/** `row`'s values in `table`'s column order, each mapped to what the driver stores (JSON, booleans). */
export function selectValues<T extends SQLiteTable>(table: T, row: T["$inferSelect"]): SQL {
  const values = Object.entries(getTableColumns(table)).map(([key, column]) => {
    const value = (row as Record<string, unknown>)[key];
    return value === null || value === undefined ? sql`NULL` : sql`${column.mapToDriverValue(value)}`;
  });
  return sql.join(values, sql`, `);
}
