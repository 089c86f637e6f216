// Webhooks and their outbox (migration 0010). Deliveries are written by the status change's own
// statement (a trigger); here they are claimed in batches, as the sweeper claims requests (SKIP
// LOCKED on PostgreSQL, so deliverers in many processes share the work), and each outcome is written
// only while the claim still holds.
import type { Kysely, Selectable } from 'kysely';
import type { Database, Tables } from '../db/database.js';
import { skipLocked } from '../db/skip-locked.js';
import type { WebhookTable } from './webhook.table.js';

export type WebhookRow = Selectable<WebhookTable>;

export const DeliveryState = {
  PENDING: 'pending',
  DELIVERED: 'delivered',
  /** Failed for a day (or refused for good): given up. */
  ABANDONED: 'abandoned',
} as const;
export type DeliveryState = (typeof DeliveryState)[keyof typeof DeliveryState];

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
  event: { kind: string; status: string | null; message: string | null; at: number; requestId: string; tag: string | null };
}

/** Claims up to `limit` pending deliveries that are due and that no live claim holds, oldest first. */
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
    .returning(['event_id', 'webhook_id', 'attempts'])
    .execute();
  if (claimed.length === 0) return [];
  const details = await db
    .selectFrom('webhook_delivery as d')
    .innerJoin('webhook as w', 'w.id', 'd.webhook_id')
    .innerJoin('request_event as e', 'e.id', 'd.event_id')
    .select(['d.event_id', 'd.webhook_id', 'w.url', 'w.secret', 'e.kind', 'e.status', 'e.message', 'e.at', 'e.request_id', 'e.tag'])
    .where('d.claim_owner', '=', owner)
    .execute();
  const attemptsOf = new Map(claimed.map((c) => [`${c.event_id} ${c.webhook_id}`, c.attempts]));
  return details.map((d) => ({
    owner,
    eventId: Number(d.event_id),
    webhookId: d.webhook_id,
    attempts: attemptsOf.get(`${d.event_id} ${d.webhook_id}`) ?? 0,
    url: d.url,
    sealedSecret: d.secret,
    event: { kind: d.kind, status: d.status, message: d.message, at: Number(d.at), requestId: d.request_id, tag: d.tag },
  }));
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
