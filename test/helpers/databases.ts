// Real databases for tests: SQLite always, PostgreSQL whenever TEST_DATABASE_URL is set. Each
// opened database is fresh (a temp file, or a new schema) and migrated.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Config, Dialect } from '../../src/config.js';
import { connectDatabase } from '../../src/db/connect.js';
import type { Database } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';

export interface TestDatabase extends Database {
  /** What DATABASE_URL would say to reach this very database (for CLI tests). */
  readonly settings: Config['database'];
  /** Closes and removes everything it made. */
  drop(): Promise<void>;
}

export interface TestDialect {
  name: Dialect;
  open(options?: { migrate?: boolean; poolSize?: number }): Promise<TestDatabase>;
}

const pgUrl = process.env.TEST_DATABASE_URL;

const sqlite: TestDialect = {
  name: 'sqlite',
  async open(options = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'exhaust-test-'));
    const settings = { dialect: 'sqlite' as const, url: join(dir, 'exhaust.db') };
    const database = connectDatabase(settings);
    if (options.migrate !== false) await migrateToLatest(database);
    return {
      ...database,
      settings,
      async drop() {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/** A URL that puts every connection in `schema` (libpq's `options`, understood by pg). */
export function urlWithSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

const postgres: TestDialect = {
  name: 'postgres',
  async open(options = {}) {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const settings = { dialect: 'postgres' as const, url: urlWithSchema(pgUrl!, schema) };
    const database = connectDatabase(settings, { poolSize: options.poolSize ?? 10 });
    if (options.migrate !== false) await migrateToLatest(database);
    return {
      ...database,
      settings,
      async drop() {
        await database.close();
        const cleanup = new pg.Client({ connectionString: pgUrl });
        await cleanup.connect();
        await cleanup.query(`drop schema ${schema} cascade`);
        await cleanup.end();
      },
    };
  },
};

export const dialects: TestDialect[] = pgUrl ? [sqlite, postgres] : [sqlite];
if (!pgUrl) console.log('# PostgreSQL: skipped — set TEST_DATABASE_URL to run these tests on PostgreSQL too');
