import SQLite from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import type Pg from 'pg';
import type { Config } from '../config.js';
import type { Database, Tables } from './database.js';
import { registerSqliteConnection } from './prepared-query.js';
import { postgresRowStream, sqliteRowStream } from './row-stream.js';

// pg takes ~50 ms to load: it is required only when the database is PostgreSQL, so that a CLI call
// on SQLite does not pay for it.
const require = createRequire(import.meta.url);

/** Opens the configured database. PostgreSQL pools reconnect by themselves after an outage. */
export function connectDatabase(database: Config['database'], options: { poolSize?: number; readonly?: boolean } = {}): Database {
  if (database.dialect === 'postgres') {
    const pg = require('pg') as typeof Pg;
    // BIGINT epoch-ms columns and COUNT(*) come back as numbers, as they do from SQLite.
    const types = { getTypeParser: (oid: number, format?: string) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) } as Pg.CustomTypesConfig;
    const pool = new pg.Pool({ connectionString: database.url, max: options.poolSize ?? 10, connectionTimeoutMillis: 5000, types });
    // A connection cut by the server (restart, outage) must not crash the process: the pool drops
    // idle clients on its own, and a checked-out client's error also fails its query, which the
    // caller sees. Without these listeners EventEmitter would throw the error as uncaught.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', streamRows: postgresRowStream(pool, types), close: () => db.destroy() };
  }
  if (database.url !== ':memory:') mkdirSync(dirname(database.url), { recursive: true });
  // A read-only connection lets a worker stream a report while the API writes on its own.
  const sqlite = new SQLite(database.url, { readonly: options.readonly ?? false });
  // WAL lets readers run beside the one writer; busy_timeout waits for a lock instead of failing.
  if (!options.readonly) sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  registerSqliteConnection(db, sqlite);
  return { db, dialect: 'sqlite', streamRows: sqliteRowStream(sqlite), close: () => db.destroy() };
}

/** Distinct SQL texts kept prepared per SQLite connection; the API uses a few dozen. */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * The SQLite database as Kysely sees it, with prepare() memoised per SQL text (least recently used
 * evicted past `size`). Kysely's SQLite driver prepares every query afresh, and compiling the SQL
 * was ~15 % of the API's CPU: the same few statements run on every call. Kysely binds all values
 * as parameters, so the SQL text names the statement. A statement still being iterated is busy and
 * cannot run again until it ends: a call meeting a busy one gets a fresh, uncached statement instead.
 * (Reports stream through db/row-stream.ts, with statements of their own.)
 */
export function withStatementCache(sqlite: SQLite.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(sql) {
      const cached = cache.get(sql);
      if (cached) {
        if (cached.busy) return sqlite.prepare(sql);
        // Map keeps insertion order: re-inserting makes it the most recently used.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = sqlite.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > size) cache.delete(cache.keys().next().value!);
      return statement;
    },
    close() {
      cache.clear();
      sqlite.close();
    },
  };
}
