import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.js';

// The life of a request as events (requests/request-event.repository.ts), and completion webhooks
// (webhooks/).
// - `request_event`: append-only. The application appends what people did (submit, cancel, links
//   signed, downloads, with who asked); the database itself appends every status change, by a
//   trigger on job_request. A trigger because a status change is one conditional statement (a claim,
//   a reap of many leases, a cancel, an expiry…): the event is written by that very statement, in its
//   transaction, and no code path can change a status without leaving one.
// - `webhook`: an endpoint registered for a channel's final statuses; its secret sealed like the
//   encryption keys.
// - `webhook_delivery`: the outbox. The same trigger adds one row per webhook that wants the event,
//   so the delivery is committed with the status change or not at all. Worker processes deliver it
//   (claimed like a lease), retried with backoff for a day.
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = dialectOf(db) === 'postgres';
  await db.schema
    .createTable('request_event')
    .addColumn('id', postgres ? 'bigint' : 'integer', (c) => (postgres ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('tag', 'text')
    .addColumn('channel', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text')
    .addColumn('previous_status', 'text')
    .addColumn('actor', 'text')
    .addColumn('message', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('request_event_request').on('request_event').columns(['request_id', 'id']).execute();

  await db.schema
    .createTable('webhook')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    // The event names, space-separated: the trigger matches them with plain string functions.
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_on', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_channel').on('webhook').column('channel').execute();

  await db.schema
    .createTable('webhook_delivery')
    .addColumn('event_id', 'bigint', (c) => c.notNull())
    .addColumn('webhook_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('claim_owner', 'text')
    .addColumn('claim_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('finished_at', 'bigint')
    .addPrimaryKeyConstraint('webhook_delivery_pk', ['event_id', 'webhook_id'])
    .execute();
  await db.schema.createIndex('webhook_delivery_due').on('webhook_delivery').columns(['state', 'next_attempt_at']).execute();
  await db.schema.createIndex('webhook_delivery_webhook').on('webhook_delivery').column('webhook_id').execute();

  if (postgres) await postgresTriggers(db);
  else await sqliteTriggers(db);
}

// The webhook event of a final status; null for the others (no delivery).
const WEBHOOK_EVENT = sql.raw(
  `case new.status when 'SUCCESS' then 'request.succeeded' when 'FAILED' then 'request.failed' ` +
    `when 'CANCELLED' then 'request.cancelled' when 'EXPIRED' then 'request.expired' end`,
);

/** SQLite: a trigger body is plain statements; last_insert_rowid() is the event's id inside it. */
async function sqliteTriggers(db: Kysely<unknown>): Promise<void> {
  await sql`
    create trigger job_request_status_inserted after insert on job_request
    begin
      insert into request_event (request_id, tag, channel, kind, status, message, at)
      values (new.request_id, new.tag, new.requested_channel, 'status', new.status, new.err_message, new.last_updated);
    end`.execute(db);
  await sql`
    create trigger job_request_status_updated after update of status on job_request
    when new.status is not old.status
    begin
      insert into request_event (request_id, tag, channel, kind, status, previous_status, message, at)
      values (new.request_id, new.tag, new.requested_channel, 'status', new.status, old.status, new.err_message, new.last_updated);
      insert into webhook_delivery (event_id, webhook_id, next_attempt_at)
      select last_insert_rowid(), webhook.id, new.last_updated from webhook
      where webhook.channel = new.requested_channel and instr(' ' || webhook.events || ' ', ' ' || ${WEBHOOK_EVENT} || ' ') > 0;
    end`.execute(db);
}

/** PostgreSQL: one plpgsql function behind both triggers. */
async function postgresTriggers(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function request_status_changed() returns trigger language plpgsql as $$
    declare
      new_event bigint;
    begin
      insert into request_event (request_id, tag, channel, kind, status, previous_status, message, at)
      values (new.request_id, new.tag, new.requested_channel, 'status', new.status,
              case when tg_op = 'UPDATE' then old.status end, new.err_message, new.last_updated)
      returning id into new_event;
      insert into webhook_delivery (event_id, webhook_id, next_attempt_at)
      select new_event, webhook.id, new.last_updated from webhook
      where webhook.channel = new.requested_channel
        and position(' ' || ${WEBHOOK_EVENT} || ' ' in ' ' || webhook.events || ' ') > 0;
      return null;
    end
    $$`.execute(db);
  await sql`create trigger job_request_status_inserted after insert on job_request for each row execute function request_status_changed()`.execute(db);
  await sql`
    create trigger job_request_status_updated after update of status on job_request
    for each row when (new.status is distinct from old.status) execute function request_status_changed()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const postgres = dialectOf(db) === 'postgres';
  for (const trigger of ['job_request_status_inserted', 'job_request_status_updated']) {
    await (postgres ? sql`drop trigger ${sql.ref(trigger)} on job_request` : sql`drop trigger ${sql.ref(trigger)}`).execute(db);
  }
  if (postgres) await sql`drop function request_status_changed()`.execute(db);
  await db.schema.dropTable('webhook_delivery').execute();
  await db.schema.dropTable('webhook').execute();
  await db.schema.dropTable('request_event').execute();
}
