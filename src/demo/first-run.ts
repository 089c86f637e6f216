// The first-run demo: when `exhaust start` finds a database with no data at all, it loads a small
// deterministic demo (one channel, a consumer mapped to it, two collections, three batches, 500
// learners) so that a newcomer can submit, read and download a real report at once.
import { type Kysely, sql } from 'kysely';
import { addConsumerChannel } from '../auth/consumer-channel.js';
import type { Tables } from '../db/database.js';
import type { Services } from '../services.js';
import { recordEntities } from '../records/entities.js';
import { describeBadLines, importRecords } from '../records/import.js';
import { type DemoOptions, planDemo } from './demo-plan.js';
import { demoLines } from './demo-records.js';
import { createSigninLink, signinLinkUrl } from '../sessions/signin-link.js';
import { DEMO_ADMIN, mentorOf } from './demo-records.js';
import { type DemoSession, demoSession } from './demo-session.js';

export const FIRST_RUN_DEMO: DemoOptions = { seed: 20240115, learners: 500, batches: 3, collections: 2, channel: 'demo-channel' };
export const DEMO_CONSUMER = 'demo-portal';

/** Tables whose rows are someone's data: any row in any of them and the demo stays out. */
const DATA_TABLES = [
  'job_request', 'consumer_channel',
  'record_user', 'record_collection', 'record_batch', 'record_enrolment', 'record_attempt', 'record_consent',
] as const satisfies readonly (keyof Tables)[];

export async function holdsNoData(db: Kysely<Tables>): Promise<boolean> {
  for (const table of DATA_TABLES) {
    const { rows } = await sql`select 1 as one from ${sql.table(table)} limit 1`.execute(db);
    if (rows.length > 0) return false;
  }
  return true;
}

/**
 * Loads the first-run demo when EXHAUST_DEMO is on and the (migrated) database holds no data;
 * returns the session to print, or undefined when nothing was loaded.
 *
 * Two processes starting at once on one empty database may both load it: every record is an
 * upsert on its natural key and the consumer mapping too, so the second load changes nothing.
 */
export async function loadDemoIfEmpty(services: Pick<Services, 'config' | 'databases' | 'clock'>): Promise<DemoSession | undefined> {
  const { config, clock } = services;
  const database = services.databases.main;
  if (!config.demo || !(await holdsNoData(database.db))) return undefined;
  const plan = planDemo(FIRST_RUN_DEMO);
  for (const entity of recordEntities) {
    const result = await importRecords(database.db, entity, toAsync(demoLines(plan, entity.name)));
    // The demo is generated to the importer's format; a refusal is a bug in the generator.
    if (result.badLines > 0) throw new Error(`the demo's ${entity.file} was refused: ${describeBadLines(result, (n) => `line ${n}`).join('; ')}`);
  }
  await addConsumerChannel(database.db, DEMO_CONSUMER, plan.options.channel, clock.now());
  const firstBatch = plan.batches[0]!.id;
  const link = async (userId: string, roles: string[]) =>
    signinLinkUrl(config.publicUrl, await createSigninLink(database.db, { userId, roles, rootOrg: { id: plan.options.channel } }, clock.now()));
  return demoSession({
    signinLinks: {
      mentor: { userId: mentorOf(firstBatch), batchId: firstBatch, url: await link(mentorOf(firstBatch), ['COURSE_MENTOR']) },
      admin: { userId: DEMO_ADMIN, url: await link(DEMO_ADMIN, ['ORG_ADMIN']) },
    },
    baseUrl: config.publicUrl,
    channel: plan.options.channel,
    consumer: DEMO_CONSUMER,
    learners: plan.options.learners,
    collections: plan.collections.length,
    batchIds: plan.batches.map((b) => b.id),
    now: clock.now(),
    timeZone: config.timeZone,
  });
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
