import type { Kysely } from 'kysely';

// Claims that are fair and that forgive crashes:
// - leases lost because a worker died are counted apart from the errors raised while building: a
//   crash says nothing about the request, and has a larger budget of its own (EXHAUST_MAX_LEASE_LOSSES);
// - a claim counts each channel's running requests (its fair share, EXHAUST_MAX_RUNNING_PER_CHANNEL):
//   the index makes that count a few index entries, whatever the queue's length.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('job_request').addColumn('lease_losses', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('job_request_channel_status').on('job_request').columns(['requested_channel', 'status']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('job_request_channel_status').execute();
  await db.schema.alterTable('job_request').dropColumn('lease_losses').execute();
}
