import type { Kysely } from 'kysely';

// The learning records reports are made of (DESIGN §5), as imported from JSON Lines. Dates stay the
// ISO 8601 text they came as (a date-only value has no zone to convert); JSON fields are text.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('record_user')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('root_org_id', 'text')
    .addColumn('org_name', 'text')
    .addColumn('state', 'text')
    .addColumn('district', 'text')
    .addColumn('block', 'text')
    .addColumn('cluster', 'text')
    .addColumn('school_id', 'text')
    .addColumn('school_name', 'text')
    .addColumn('user_type', 'text')
    .addColumn('user_sub_type', 'text')
    .addColumn('board', 'text')
    .addColumn('status', 'text')
    .execute();

  await db.schema
    .createTable('record_collection')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text')
    .addColumn('channel', 'text')
    .addColumn('status', 'text')
    .addColumn('user_consent', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('leaf_nodes_count', 'integer')
    /** JSON array of {id, name}. */
    .addColumn('assessments', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();

  await db.schema
    .createTable('record_batch')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('collection_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('status', 'text')
    .addColumn('start_date', 'text')
    .addColumn('end_date', 'text')
    .execute();

  await db.schema
    .createTable('record_enrolment')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('collection_id', 'text', (c) => c.notNull())
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('enrolled_date', 'text')
    .addColumn('completed_on', 'text')
    /** JSON array. */
    .addColumn('certificates', 'text', (c) => c.notNull().defaultTo('[]'))
    /** JSON object contentId → 0/1/2. */
    .addColumn('content_status', 'text', (c) => c.notNull().defaultTo('{}'))
    .addPrimaryKeyConstraint('record_enrolment_pk', ['batch_id', 'user_id', 'collection_id'])
    .execute();

  await db.schema
    .createTable('record_attempt')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('collection_id', 'text', (c) => c.notNull())
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('content_id', 'text', (c) => c.notNull())
    .addColumn('attempt_id', 'text', (c) => c.notNull())
    .addColumn('total_score', 'double precision')
    .addColumn('total_max_score', 'double precision')
    .addColumn('last_attempted_on', 'text')
    /** JSON array of {id, type, title, description, duration, score, maxScore, params, response}. */
    .addColumn('questions', 'text', (c) => c.notNull().defaultTo('[]'))
    .addPrimaryKeyConstraint('record_attempt_pk', ['batch_id', 'user_id', 'content_id', 'attempt_id', 'collection_id'])
    .execute();

  await db.schema
    .createTable('record_consent')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('consumer_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('last_updated_on', 'text')
    .addPrimaryKeyConstraint('record_consent_pk', ['object_id', 'consumer_id', 'user_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['record_consent', 'record_attempt', 'record_enrolment', 'record_batch', 'record_collection', 'record_user']) {
    await db.schema.dropTable(table).execute();
  }
}
