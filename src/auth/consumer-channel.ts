// Which API consumers (as named by the gateway's X-Consumer-ID) may act for which channels.
// Looked up on every call (one primary-key probe, compiled once), so a revoked mapping takes
// effect at once: no cache could know of a revocation made by another process in time.
import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import { preparedQuery } from '../db/prepared-query.js';

const mappingStatus = preparedQuery((db, v: { consumerId: string; channel: string }) =>
  db.selectFrom('consumer_channel').select('status').where('consumer_id', '=', v.consumerId).where('channel', '=', v.channel),
);

export async function isConsumerAuthorized(db: Kysely<Tables>, consumerId: string, channel: string): Promise<boolean> {
  const { rows } = await mappingStatus(db, { consumerId, channel });
  return rows[0]?.status === 1;
}

export async function addConsumerChannel(db: Kysely<Tables>, consumerId: string, channel: string, now: number): Promise<void> {
  await db
    .insertInto('consumer_channel')
    .values({ consumer_id: consumerId, channel, status: 1, created_on: now, updated_on: now })
    .onConflict((oc) => oc.columns(['consumer_id', 'channel']).doUpdateSet({ status: 1, updated_on: now }))
    .execute();
}

/** Revokes a mapping; returns false when there was no active one. The row stays for audit. */
export async function removeConsumerChannel(db: Kysely<Tables>, consumerId: string, channel: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('consumer_channel')
    .set({ status: 0, updated_on: now })
    .where('consumer_id', '=', consumerId)
    .where('channel', '=', channel)
    .where('status', '=', 1)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export function listConsumerChannels(db: Kysely<Tables>) {
  return db
    .selectFrom('consumer_channel')
    .select(['consumer_id', 'channel', 'status', 'updated_on'])
    .orderBy('consumer_id')
    .orderBy('channel')
    .execute();
}
