// The one streaming query of a report, read in chunks of rows rather than row by row: an
// asynchronous step per row (Kysely's stream hands rows over one at a time) cost more than the
// formatting of the row itself.
import type { Compilable, Kysely } from 'kysely';
import type { Tables } from '../../db/database.js';
import { dialectOf } from '../../db/dialect.js';

/**
 * Streams the rows of `query` in non-empty chunks of at most `chunkRows`, ordered as the query says.
 * PostgreSQL reads a cursor `chunkRows` at a time; SQLite steps one statement, whose rows are
 * gathered into chunks as they come (its driver yields them one by one).
 */
export async function* rowChunks<O>(db: Kysely<Tables>, query: Compilable<O>, chunkRows: number): AsyncGenerator<O[]> {
  const results = db.getExecutor().stream<O>(query.compile(), chunkRows);
  if (dialectOf(db) === 'postgres') {
    for await (const result of results) if (result.rows.length > 0) yield result.rows;
    return;
  }
  let chunk: O[] = [];
  for await (const result of results) {
    for (const row of result.rows) chunk.push(row);
    if (chunk.length >= chunkRows) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
