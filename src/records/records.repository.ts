// Writes imported records: one multi-row INSERT … ON CONFLICT (natural key) DO UPDATE per batch,
// the same statement on SQLite and PostgreSQL.
import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import type { RecordEntity, RecordRow } from './entities.js';

/** Rows per statement; big enough to amortise round trips, small enough for any lock to stay short. */
export const ROWS_PER_STATEMENT = 500;

// SQLite (since 3.32) binds at most 32 766 parameters per statement, PostgreSQL 65 535.
const MAX_BOUND_PARAMETERS = 32_766;

/** How many rows of `columns` columns one statement may carry. */
export function rowsPerStatement(columns: number, wanted = ROWS_PER_STATEMENT): number {
  return Math.max(1, Math.min(wanted, Math.floor(MAX_BOUND_PARAMETERS / Math.max(1, columns))));
}

/**
 * Inserts or replaces `rows` by the entity's natural key. The rows must have distinct keys:
 * PostgreSQL refuses to update one row twice in a statement ("ON CONFLICT DO UPDATE command cannot
 * affect row a second time").
 */
export async function upsertRecords(db: Kysely<Tables>, entity: RecordEntity, rows: readonly RecordRow[]): Promise<void> {
  const first = rows[0];
  if (!first) return;
  // The table is chosen at run time, so the builder cannot type its columns.
  const loose = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  const key: readonly string[] = entity.key;
  const updated = Object.keys(first).filter((column) => !key.includes(column));
  await loose
    .insertInto(entity.table)
    .values(rows as unknown as Record<string, unknown>[])
    .onConflict((conflict) =>
      conflict.columns(key).doUpdateSet((eb) => Object.fromEntries(updated.map((column) => [column, eb.ref(`excluded.${column}`)]))),
    )
    .execute();
}

/** The creator and mentors of the batches named (those that exist), for batch-level entitlement. */
export async function findBatchPeople(db: Kysely<Tables>, batchIds: readonly string[]): Promise<{ id: string; created_by: string | null; mentors: string | null }[]> {
  if (batchIds.length === 0) return [];
  return db.selectFrom('record_batch').select(['id', 'created_by', 'mentors']).where('id', 'in', [...batchIds]).execute();
}
