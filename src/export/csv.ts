// Rows → CSV as RFC 4180 says: UTF-8 without BOM, CRLF between records, a header row, and quotes only
// around cells that need them (a `"`, `,`, CR or LF; quotes inside are doubled). Written by hand:
// csv-stringify cost ~5 µs a row, more than the rest of the formatting. Each record is encoded into
// a shared slab as soon as it is made: one UTF-8 encoding of a whole chunk's text (a long
// concatenated string, two-byte as soon as one name is not Latin-1) cost four times as much.

/**
 * Consecutive rows of a table, each an array of cells in column order (null/undefined: an empty
 * cell). Export knows nothing of datasets: their reports have this shape and so fit as they are.
 */
export type RowChunk = ReadonlyArray<readonly unknown[]>;

/** A table to write: its header and its rows in chunks. */
export interface Table {
  readonly columns: readonly string[];
  readonly rows: AsyncIterable<RowChunk>;
}

/** Any character that makes a cell need quotes. */
const NEEDS_QUOTES = /[",\r\n]/;
const QUOTE = /"/g;

/** Bytes of UTF-8 the chunks are cut from; a chunk is a view of one slab until the slab is full. */
const SLAB_BYTES = 1 << 20;
/** UTF-8 takes at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2 units). */
const MAX_BYTES_PER_UNIT = 3;

/**
 * One cell. null/undefined are empty; booleans `true`/`false`; dates ISO 8601; other objects JSON —
 * as csv-stringify wrote them, so artefacts are byte for byte what they were.
 */
function cell(value: unknown): string {
  let text: string;
  switch (typeof value) {
    case 'string':
      text = value;
      break;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'undefined':
      return '';
    default:
      if (value === null) return '';
      text = value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return NEEDS_QUOTES.test(text) ? `"${text.replace(QUOTE, '""')}"` : text;
}

/** One record, ended by CRLF. */
export function csvRecord(row: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < row.length; i++) {
    if (i > 0) line += ',';
    line += cell(row[i]);
  }
  return line + '\r\n';
}

/** UTF-8 of consecutive records, cut from slabs so that a chunk costs no allocation of its own. */
class RecordEncoder {
  private slab = Buffer.allocUnsafe(0);
  private used = 0;

  /** The records of `rows` as one buffer (a view of the current slab). */
  encode(rows: RowChunk): Buffer {
    let start = this.used;
    for (let r = 0; r < rows.length; r++) {
      const record = csvRecord(rows[r]!);
      const most = record.length * MAX_BYTES_PER_UNIT;
      if (this.slab.length - this.used < most) {
        // A new slab; the chunk's records so far move with it, so the chunk stays one view.
        const done = this.slab.subarray(start, this.used);
        const next = Buffer.allocUnsafe(Math.max(SLAB_BYTES, 2 * (done.length + most)));
        done.copy(next, 0);
        this.slab = next;
        this.used = done.length;
        start = 0;
      }
      this.used += this.slab.write(record, this.used, 'utf8');
    }
    return this.slab.subarray(start, this.used);
  }
}

/** One CSV as a stream of UTF-8 chunks: the header, then one per chunk of rows. Null/undefined cells are empty. */
export async function* csvChunks(columns: readonly string[], rows: AsyncIterable<RowChunk>): AsyncGenerator<Uint8Array> {
  yield Buffer.from(csvRecord(columns), 'utf8');
  const encoder = new RecordEncoder();
  for await (const chunk of rows) if (chunk.length > 0) yield encoder.encode(chunk);
}
