import type { Kysely } from 'kysely';

// Who may ask about a batch beyond its organisation's admins: its creator and its mentors (a JSON
// array of user ids), as batches.jsonl gives them.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('record_batch').addColumn('created_by', 'text').execute();
  await db.schema.alterTable('record_batch').addColumn('mentors', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('record_batch').dropColumn('mentors').execute();
  await db.schema.alterTable('record_batch').dropColumn('created_by').execute();
}
