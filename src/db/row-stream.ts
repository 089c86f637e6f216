// The one read path of reports: a compiled query's rows as arrays, in select order, in chunks.
// Below Kysely, because its stream hands rows over one asynchronous step at a time and as objects:
// better-sqlite3 builds an object a row ~40 % slower than an array, and pg's cursor round trips
// left PostgreSQL idle while Node formatted.
import type SQLite from 'better-sqlite3';
import type { CompiledQuery } from 'kysely';
import { createRequire } from 'node:module';
import type pg from 'pg';
import type Cursor from 'pg-cursor';

// Loaded at the first PostgreSQL report only (see connect.ts).
const require = createRequire(import.meta.url);

/**
 * Streams the rows of `query` in non-empty chunks of at most `chunkRows`, each row an array of its
 * columns in select order. Ending the iteration early closes the query.
 */
export type RowStream = <Row extends readonly unknown[]>(query: CompiledQuery, chunkRows: number) => AsyncGenerator<Row[]>;

/**
 * SQLite steps one statement. Several streams may be open at once on the connection: they then read
 * one snapshot (SQLite keeps a connection's read transaction while any statement is active).
 */
export function sqliteRowStream(sqlite: SQLite.Database): RowStream {
  return async function* rows<Row extends readonly unknown[]>(query: CompiledQuery, chunkRows: number) {
    // A statement of its own: raw mode is per statement, and the API's cached ones return objects.
    const statement = sqlite.prepare(query.sql).raw(true);
    let chunk: Row[] = [];
    for (const row of statement.iterate(...(query.parameters as unknown[]))) {
      chunk.push(row as unknown as Row);
      if (chunk.length >= chunkRows) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  };
}

/**
 * PostgreSQL reads a cursor on a pooled connection, one chunk ahead: the server makes the next chunk
 * while this one is formatted.
 */
export function postgresRowStream(pool: pg.Pool, types: pg.CustomTypesConfig): RowStream {
  const PgCursor = require('pg-cursor') as typeof Cursor;
  return async function* rows<Row extends readonly unknown[]>(query: CompiledQuery, chunkRows: number) {
    const client = await pool.connect();
    const cursor = client.query(new PgCursor<Row>(query.sql, query.parameters as unknown[], { rowMode: 'array', types }));
    let next: Promise<Row[]> | undefined;
    let failure: Error | undefined;
    try {
      next = cursor.read(chunkRows);
      for (;;) {
        const chunk: Row[] = await next;
        if (chunk.length === 0) return;
        // Fewer rows than asked for: the cursor is at its end.
        next = chunk.length < chunkRows ? undefined : cursor.read(chunkRows);
        // Stopped early, the read ahead may fail unobserved; it is awaited in finally.
        next?.catch(() => {});
        yield chunk;
        if (!next) return;
      }
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      await next?.catch(() => {});
      await cursor.close().catch(() => {});
      // A connection whose query failed is dropped rather than handed to the next caller.
      client.release(failure);
    }
  };
}
