import type { Kysely } from 'kysely';

// Counters of what happened to requests (cancelled, expired, bytes swept, …), kept in the database:
// workers, sweepers and APIs run in many processes, and /metrics answers for all of them.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('service_counter')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('service_counter').execute();
}
