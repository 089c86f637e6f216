import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.js';

// The best attempt of a learner at an assessment is the first entry of this index under
// (batch, collection, user, content): the progress report reads it without a sort and without
// touching the wide attempt rows (their questions). Ranking: highest score, then latest attempt,
// then highest attempt id, with unscored attempts last.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index record_attempt_best on record_attempt (batch_id, collection_id, user_id, content_id, ${rankingColumns(db)}, total_max_score)`.execute(db);
}

/**
 * PostgreSQL sorts NULLs first in a descending index unless told otherwise; SQLite sorts them last
 * and refuses the NULLS LAST clause in an index.
 */
function rankingColumns(db: Kysely<unknown>) {
  return dialectOf(db) === 'postgres'
    ? sql`total_score desc nulls last, last_attempted_on desc nulls last, attempt_id desc`
    : sql`total_score desc, last_attempted_on desc, attempt_id desc`;
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('record_attempt_best').execute();
}
