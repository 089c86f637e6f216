// Rows → CSV as RFC 4180 says: UTF-8 without BOM, CRLF between records, a header row, and quotes only
// around cells that need them. Rows are stringified a chunk at a time (csv-stringify's stream emits
// one chunk per record, which costs more than the formatting itself).
import { type Options, stringify } from 'csv-stringify/sync';

/** Rows per emitted chunk: large enough to amortise per-chunk costs, small enough to stay flat in memory. */
const ROWS_PER_CHUNK = 1000;

const CSV_OPTIONS: Options = {
  record_delimiter: '\r\n',
  // csv-stringify quotes a cell holding its own record delimiter (CRLF) but not a bare LF or CR; RFC
  // 4180 needs both quoted, or spreadsheets split the record.
  quoted_match: /[\r\n]/,
  cast: {
    // Its defaults write true as "1" and false as "": a report should say what the value is.
    boolean: (value) => String(value),
    date: (value) => value.toISOString(),
    bigint: (value) => String(value),
  },
};

/** One CSV as a stream of UTF-8 chunks: the header, then rows in batches. Null/undefined cells are empty. */
export async function* csvChunks(columns: readonly string[], rows: AsyncIterable<readonly unknown[]>): AsyncGenerator<Uint8Array> {
  yield Buffer.from(stringify([columns as string[]], CSV_OPTIONS), 'utf8');
  let batch: unknown[][] = [];
  for await (const row of rows) {
    batch.push(row as unknown[]);
    if (batch.length === ROWS_PER_CHUNK) {
      yield Buffer.from(stringify(batch, CSV_OPTIONS), 'utf8');
      batch = [];
    }
  }
  if (batch.length > 0) yield Buffer.from(stringify(batch, CSV_OPTIONS), 'utf8');
}
