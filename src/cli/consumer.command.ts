import { addConsumerChannel, listConsumerChannels, removeConsumerChannel } from '../auth/consumer-channel.js';
import { loadConfig } from '../config.js';
import { migrateToLatest } from '../db/migrate.js';
import { closeServices, openServices } from '../services.js';
import { UsageError } from './usage-error.js';

const ID = /^[A-Za-z0-9_.@-]{1,200}$/;
const CHANNEL = /^[A-Za-z0-9_.-]{1,200}$/;

export async function consumerCommand(args: string[]): Promise<number> {
  const [action, consumerId, channel] = args;
  if (action !== 'list' && (action !== 'add' && action !== 'remove')) throw new UsageError('usage: exhaust consumer add|remove <consumerId> <channel> | exhaust consumer list');
  if (action !== 'list') {
    if (!consumerId || !ID.test(consumerId)) throw new UsageError('consumerId must be 1–200 letters, digits or _ . @ -');
    if (!channel || !CHANNEL.test(channel)) throw new UsageError('channel must be 1–200 letters, digits or _ . -');
  }
  const services = await openServices(loadConfig());
  try {
    const { db } = services.databases.main;
    await migrateToLatest(services.databases.main);
    if (action === 'add') {
      await addConsumerChannel(db, consumerId!, channel!, services.clock.now());
      console.log(`consumer ${consumerId} may now act for channel ${channel}`);
    } else if (action === 'remove') {
      const removed = await removeConsumerChannel(db, consumerId!, channel!, services.clock.now());
      console.log(removed ? `consumer ${consumerId} may no longer act for channel ${channel}` : `consumer ${consumerId} had no active mapping to ${channel}`);
      return removed ? 0 : 1;
    } else {
      const rows = await listConsumerChannels(db);
      if (rows.length === 0) console.log('no consumers; add one with: exhaust consumer add <consumerId> <channel>');
      for (const r of rows) console.log(`${r.consumer_id}\t${r.channel}\t${r.status === 1 ? 'active' : 'revoked'}`);
    }
    return 0;
  } finally {
    await closeServices(services);
  }
}
