// Service-wide counters (see migration 0009): one row per counter, added to by one atomic upsert,
// so any number of processes count into the same figure.
import type { Kysely } from 'kysely';
import type { Tables } from './database.js';

export const CounterName = {
  cancelled: 'requests_cancelled',
  expired: 'requests_expired',
  sweptBytes: 'swept_bytes',
  /** Webhook deliveries by outcome: answered 2xx; an attempt failed (retried later); given up. */
  webhookDelivered: 'webhook_deliveries_delivered',
  webhookFailed: 'webhook_deliveries_failed',
  webhookAbandoned: 'webhook_deliveries_abandoned',
} as const;
export type CounterName = (typeof CounterName)[keyof typeof CounterName];

export async function addToCounter(db: Kysely<Tables>, name: CounterName, amount: number): Promise<void> {
  if (amount <= 0) return;
  await db
    .insertInto('service_counter')
    .values({ name, value: amount })
    .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('service_counter.value', '+', eb.ref('excluded.value')) })))
    .execute();
}

export async function readCounters(db: Kysely<Tables>): Promise<Map<string, number>> {
  const rows = await db.selectFrom('service_counter').select(['name', 'value']).execute();
  return new Map(rows.map((r) => [r.name, Number(r.value)]));
}
