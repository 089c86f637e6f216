import type { Kysely } from 'kysely';

// How far a request's build has come, written by its worker about once a second (never per row):
// batches done and rows written so far. (How many batches were asked for is read from datasetConfig.)
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('job_request').addColumn('progress_batches_done', 'integer').execute();
  await db.schema.alterTable('job_request').addColumn('progress_rows', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('job_request').dropColumn('progress_rows').execute();
  await db.schema.alterTable('job_request').dropColumn('progress_batches_done').execute();
}
