import SQLite from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { Config } from '../config.js';
import type { Database, Tables } from './database.js';

/** Opens the configured database. PostgreSQL pools reconnect by themselves after an outage. */
export function connectDatabase(database: Config['database'], options: { poolSize?: number; readonly?: boolean } = {}): Database {
  if (database.dialect === 'postgres') {
    const pool = new pg.Pool({
      connectionString: database.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5000,
      // BIGINT epoch-ms columns and COUNT(*) come back as numbers, as they do from SQLite.
      types: { getTypeParser: (oid: number, format?: string) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) } as pg.CustomTypesConfig,
    });
    // A connection cut by the server (restart, outage) must not crash the process: the pool drops
    // idle clients on its own, and a checked-out client's error also fails its query, which the
    // caller sees. Without these listeners EventEmitter would throw the error as uncaught.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    // The cursor makes Kysely's .stream() fetch rows in chunks: reports never hold a whole result.
    const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool, cursor: Cursor }) });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  if (database.url !== ':memory:') mkdirSync(dirname(database.url), { recursive: true });
  // A read-only connection lets a worker stream a report while the API writes on its own.
  const sqlite = new SQLite(database.url, { readonly: options.readonly ?? false });
  // WAL lets readers run beside the one writer; busy_timeout waits for a lock instead of failing.
  if (!options.readonly) sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}
