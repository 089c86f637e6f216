import type { Kysely } from 'kysely';

// Append-only: a released migration is never edited; change the schema with a new file.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('job_request')
    .addColumn('tag', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('request_data', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('requested_channel', 'text', (c) => c.notNull())
    .addColumn('output_format', 'text', (c) => c.notNull().defaultTo('csv'))
    .addColumn('dt_job_submitted', 'bigint', (c) => c.notNull())
    .addColumn('download_urls', 'text')
    .addColumn('dt_file_created', 'bigint')
    .addColumn('dt_job_completed', 'bigint')
    .addColumn('execution_time', 'bigint')
    .addColumn('err_message', 'text')
    .addColumn('iteration', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('submission_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('encryption_key', 'text')
    .addColumn('last_updated', 'bigint', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addPrimaryKeyConstraint('job_request_pk', ['tag', 'request_id'])
    .execute();
  // list: one tag, newest first.
  await db.schema.createIndex('job_request_tag_submitted').on('job_request').columns(['tag', 'dt_job_submitted']).execute();
  // claim: the oldest due SUBMITTED request; reaper: PROCESSING with an expired lease.
  await db.schema.createIndex('job_request_claim').on('job_request').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('job_request_lease').on('job_request').columns(['status', 'lease_expires_at']).execute();
  // search (admin): newest first, usually narrowed by channel or dataset.
  await db.schema.createIndex('job_request_channel_submitted').on('job_request').columns(['requested_channel', 'dt_job_submitted']).execute();
  await db.schema.createIndex('job_request_submitted').on('job_request').column('dt_job_submitted').execute();

  await db.schema
    .createTable('dataset_metadata')
    .addColumn('dataset_id', 'text', (c) => c.primaryKey())
    .addColumn('dataset_sub_id', 'text')
    .addColumn('dataset_config', 'text')
    .addColumn('visibility', 'text', (c) => c.notNull())
    .addColumn('dataset_type', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('authorized_roles', 'text', (c) => c.notNull())
    .addColumn('available_from', 'bigint')
    .addColumn('sample_request', 'text')
    .addColumn('sample_response', 'text')
    .addColumn('validation_json', 'text')
    .addColumn('druid_query', 'text')
    .addColumn('limits', 'text')
    .addColumn('supported_formats', 'text')
    .addColumn('exhaust_type', 'text')
    .addColumn('created_on', 'bigint', (c) => c.notNull())
    .addColumn('updated_on', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('consumer_channel')
    .addColumn('consumer_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('created_on', 'bigint', (c) => c.notNull())
    .addColumn('updated_on', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('consumer_channel_pk', ['consumer_id', 'channel'])
    .execute();

  // The three collection datasets, registered out of the box (DESIGN §6). datasetConfig: a batchId,
  // or a batchFilter of 1–20 batch ids; ids are used in storage keys, hence the character set.
  const batchIdSchema = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_.:-]+$' };
  const validation = JSON.stringify({
    type: 'object',
    properties: {
      batchId: batchIdSchema,
      batchFilter: { type: 'array', minItems: 1, maxItems: 20, items: batchIdSchema },
      type: { type: 'string', maxLength: 100 },
    },
    anyOf: [{ required: ['batchId'] }, { required: ['batchFilter'] }],
  });
  const mentorRoles = ['ORG_ADMIN', 'REPORT_ADMIN', 'CONTENT_CREATOR', 'COURSE_MENTOR'];
  const seed = [
    { id: 'progress-exhaust', reportKey: 'progress', keyRequired: false, roles: mentorRoles },
    { id: 'response-exhaust', reportKey: 'response', keyRequired: false, roles: mentorRoles },
    { id: 'userinfo-exhaust', reportKey: 'userinfo', keyRequired: true, roles: ['ORG_ADMIN', 'REPORT_ADMIN', 'COURSE_MENTOR'] },
  ];
  const now = Date.now();
  // The table as this migration made it (today's Tables may differ): the seed rows are checked against that.
  await (db as Kysely<{ dataset_metadata: Record<string, string | number> }>)
    .insertInto('dataset_metadata')
    .values(
      seed.map((d) => ({
        dataset_id: d.id,
        dataset_sub_id: d.id,
        dataset_config: JSON.stringify({ reportKey: d.reportKey, encryptionKeyRequired: d.keyRequired }),
        visibility: 'private',
        dataset_type: 'on-demand exhaust',
        version: 'v1',
        authorized_roles: JSON.stringify(d.roles),
        validation_json: validation,
        supported_formats: JSON.stringify(['csv']),
        exhaust_type: 'On-Demand',
        created_on: now,
        updated_on: now,
      })),
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('consumer_channel').execute();
  await db.schema.dropTable('dataset_metadata').execute();
  await db.schema.dropTable('job_request').execute();
}
