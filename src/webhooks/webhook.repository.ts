// Webhooks and their outbox (migration 0010). Deliveries are written by the status change's own
// statement (a trigger); here they are claimed in batches, as the sweeper claims requests (SKIP
// LOCKED on PostgreSQL, so deliverers in many processes share the work), and each outcome is written
// only while the claim still holds.
import type { Kysely, Selectable } from 'kysely';
import type { Database, Tables } from '../db/database.js';
import { skipLocked } from '../db/skip-locked.js';
import { JOB_STATUS_COLUMNS, type JobStatusRow } from '../requests/request.repository.js';
import type { WebhookTable } from './webhook.table.js';

export type WebhookRow = Selectable<WebhookTable>;

const DeliveryState = {
  PENDING: 'pending',
  DELIVERED: 'delivered',
  /** Failed for a day (or refused for good): given up. */
  ABANDONED: 'abandoned',
} as const;
type DeliveryState = (typeof DeliveryState)[keyof typeof DeliveryState];

export async function insertWebhook(db: Kysely<Tables>, webhook: WebhookRow): Promise<void> {
  await db.insertInto('webhook').values(webhook).execute();
}

export function listWebhooks(db: Kysely<Tables>, channel: string | undefined): Promise<WebhookRow[]> {
  return db
    .selectFrom('webhook')
    .selectAll()
    .$if(channel !== undefined, (q) => q.where('channel', '=', channel!))
    .orderBy('created_on')
    .orderBy('id')
    .execute();
}

/** Removes a webhook and what it still had to deliver, together. False when there was none. */
export async function deleteWebhook(db: Kysely<Tables>, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('webhook_delivery').where('webhook_id', '=', id).execute();
    const result = await trx.deleteFrom('webhook').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  });
}

/** A claimed delivery with what it needs: the webhook, the event, and the request as it stands. */
export interface Delivery {
  owner: string;
  eventId: number;
  webhookId: string;
  attempts: number;
  url: string;
  sealedSecret: string;
  /** The status change announced: the status, its statusMessage, and when. */
  change: { status: string; message: string | null; at: number };
  /** Undefined only if the request were gone (requests are never deleted). */
  request: JobStatusRow | undefined;
}

/**
 * Claims up to `limit` pending deliveries that are due and that no live claim holds, oldest first,
 * and reads each with its webhook, event and request in one more statement.
 */
export async function claimDeliveries(database: Database, owner: string, window: { now: number; claimMs: number; limit: number }): Promise<Delivery[]> {
  const { db, dialect } = database;
  const { now } = window;
  const claimed = await db
    .with(
      // Materialized: picked once (PostgreSQL may otherwise re-run it per updated row, taking more rows under SKIP LOCKED).
      (cte) => cte('picked').materialized(),
      (qb) =>
        skipLocked(
          dialect,
          qb
            .selectFrom('webhook_delivery')
            .select(['event_id', 'webhook_id'])
            .where('state', '=', DeliveryState.PENDING)
            .where('next_attempt_at', '<=', now)
            .where((eb) => eb.or([eb('claim_until', 'is', null), eb('claim_until', '<', now)]))
            .orderBy('next_attempt_at')
            .limit(window.limit),
        ),
    )
    .updateTable('webhook_delivery')
    .set({ claim_owner: owner, claim_until: now + window.claimMs })
    .where((eb) => eb(eb.refTuple('event_id', 'webhook_id'), 'in', eb.selectFrom('picked').select(['picked.event_id', 'picked.webhook_id']).$asTuple('event_id', 'webhook_id')))
    .where('state', '=', DeliveryState.PENDING)
    .where((eb) => eb.or([eb('claim_until', 'is', null), eb('claim_until', '<', now)]))
    .executeTakeFirst();
  if (claimed.numUpdatedRows === 0n) return [];
  const rows = await db
    .selectFrom('webhook_delivery as d')
    .innerJoin('webhook as w', 'w.id', 'd.webhook_id')
    .innerJoin('request_event as e', 'e.id', 'd.event_id')
    .leftJoin('job_request as r', (join) => join.onRef('r.tag', '=', 'e.tag').onRef('r.request_id', '=', 'e.request_id'))
    .select(['d.event_id', 'd.webhook_id', 'd.attempts', 'w.url', 'w.secret', 'e.status as event_status', 'e.message as event_message', 'e.at as event_at'])
    .select(JOB_STATUS_COLUMNS.map((column) => `r.${column}` as const))
    .where('d.claim_owner', '=', owner)
    .execute();
  return rows.map((row) => {
    const { event_id, webhook_id, attempts, url, secret, event_status, event_message, event_at, ...request } = row;
    return {
      owner,
      eventId: Number(event_id),
      webhookId: webhook_id,
      attempts,
      url,
      sealedSecret: secret,
      // Deliveries are made for status events only (migration 0010), whose status is never null.
      change: { status: event_status ?? '', message: event_message, at: Number(event_at) },
      request: request.request_id === null ? undefined : (request as JobStatusRow),
    };
  });
}

const held = (db: Kysely<Tables>, delivery: Delivery) =>
  db
    .updateTable('webhook_delivery')
    .where('event_id', '=', delivery.eventId)
    .where('webhook_id', '=', delivery.webhookId)
    .where('claim_owner', '=', delivery.owner)
    .where('state', '=', DeliveryState.PENDING);

/** The receiver answered 2xx. False when the claim no longer held (another deliverer took it over). */
export async function markDelivered(db: Kysely<Tables>, delivery: Delivery, now: number): Promise<boolean> {
  const result = await held(db, delivery)
    .set((eb) => ({ state: DeliveryState.DELIVERED, attempts: eb('attempts', '+', 1), finished_at: now, claim_owner: null, claim_until: null }))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** A failed attempt: due again at `retryAt`, or abandoned when `retryAt` is undefined. */
export async function markFailed(db: Kysely<Tables>, delivery: Delivery, error: string, now: number, retryAt: number | undefined): Promise<boolean> {
  const common = { last_error: error.slice(0, 300), claim_owner: null, claim_until: null };
  const result = await held(db, delivery)
    .set((eb) => ({
      ...common,
      attempts: eb('attempts', '+', 1),
      ...(retryAt === undefined ? { state: DeliveryState.ABANDONED, finished_at: now } : { next_attempt_at: retryAt }),
    }))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
