import { type Kysely, sql, type SqlBool } from 'kysely';

// The sweeper (sweeper/sweeper.ts): it expires SUCCESS requests past EXHAUST_RETENTION_DAYS and
// removes what FAILED and CANCELLED requests left in storage.
// - `sweep_owner`, `sweep_until`: its claim on a request, like a worker's lease, so that many
//   processes sweeping at once delete each artefact once, and a dead sweeper's claim runs out;
// - `swept_as_of`: the `last_updated` of a FAILED or CANCELLED request whose artefacts were removed.
// The indexes keep a round's candidate query to the candidates: SUCCESS requests by completion time
// (they turn EXPIRED, so there are only a retention's worth), and only the FAILED and CANCELLED
// requests not yet swept (those swept stay in the table for ever, and out of this index).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('job_request').addColumn('sweep_owner', 'text').execute();
  await db.schema.alterTable('job_request').addColumn('sweep_until', 'bigint').execute();
  await db.schema.alterTable('job_request').addColumn('swept_as_of', 'bigint').execute();
  await db.schema.createIndex('job_request_completed').on('job_request').columns(['status', 'dt_job_completed']).execute();
  // The predicate is repeated word for word by the candidate query (retention.repository.ts), with
  // the statuses as literals: SQLite uses a partial index only for a query that states its terms.
  await db.schema
    .createIndex('job_request_unswept')
    .on('job_request')
    .columns(['status', 'last_updated'])
    .where(sql.raw<SqlBool>(`status in ('FAILED', 'CANCELLED') and (swept_as_of is null or swept_as_of <> last_updated)`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('job_request_unswept').execute();
  await db.schema.dropIndex('job_request_completed').execute();
  await db.schema.alterTable('job_request').dropColumn('swept_as_of').execute();
  await db.schema.alterTable('job_request').dropColumn('sweep_until').execute();
  await db.schema.alterTable('job_request').dropColumn('sweep_owner').execute();
}
