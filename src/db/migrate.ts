import { type Migration, Migrator, sql } from 'kysely';
import type { Database } from './database.js';
import * as m0001 from './migrations/0001_initial.js';
import * as m0002 from './migrations/0002_records.js';
import * as m0003 from './migrations/0003_report_indexes.js';
import * as m0004 from './migrations/0004_batch_mentors.js';
import * as m0005 from './migrations/0005_signin_links.js';
import * as m0006 from './migrations/0006_claims.js';
import * as m0007 from './migrations/0007_progress.js';
import * as m0008 from './migrations/0008_sweep.js';
import * as m0009 from './migrations/0009_counters.js';
import * as m0010 from './migrations/0010_request_events.js';

// A static list (not a folder scan) so migrations load the same under tsx, a bundle or tests.
const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_records': m0002,
  '0003_report_indexes': m0003,
  '0004_batch_mentors': m0004,
  '0005_signin_links': m0005,
  '0006_claims': m0006,
  '0007_progress': m0007,
  '0008_sweep': m0008,
  '0009_counters': m0009,
  '0010_request_events': m0010,
};

/** Brings the schema up to date. Safe to run from several processes at once (Kysely locks). */
export async function migrateToLatest(database: Database): Promise<string[]> {
  const migrator = await migratorOf(database);
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of the migrations not yet applied: `exhaust api` and `exhaust worker` refuse to start on an old schema. */
export async function pendingMigrations(database: Database): Promise<string[]> {
  const migrator = await migratorOf(database);
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/**
 * On PostgreSQL the bookkeeping tables live in the connection's current schema: without naming it,
 * Kysely looks for them in every schema and would take another schema's for ours.
 */
async function migratorOf(database: Database): Promise<Migrator> {
  const provider = { getMigrations: async () => migrations };
  if (database.dialect !== 'postgres') return new Migrator({ db: database.db, provider });
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db);
  return new Migrator({ db: database.db, provider, migrationTableSchema: rows[0]?.schema ?? 'public' });
}
