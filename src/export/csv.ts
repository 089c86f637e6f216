import type { RowChunk } from '../datasets/dataset.js';

// Rows → CSV as RFC 4180 says: UTF-8 without BOM, CRLF between records, a header row, and quotes only
// around cells that need them (a `"`, `,`, CR or LF; quotes inside are doubled). Written by hand, a
// chunk of rows (as the datasets stream them) into one string: csv-stringify cost ~5 µs a row, more than the rest of the formatting.

/** Any character that makes a cell need quotes. */
const NEEDS_QUOTES = /[",\r\n]/;
const QUOTE = /"/g;

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

/** Records, each ended by CRLF. */
export function csvText(rows: Iterable<readonly unknown[]>): string {
  let out = '';
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      if (i > 0) out += ',';
      out += cell(row[i]);
    }
    out += '\r\n';
  }
  return out;
}

/** One CSV as a stream of UTF-8 chunks: the header, then one per chunk of rows. Null/undefined cells are empty. */
export async function* csvChunks(columns: readonly string[], rows: AsyncIterable<RowChunk>): AsyncGenerator<Uint8Array> {
  yield Buffer.from(csvText([columns]), 'utf8');
  for await (const chunk of rows) if (chunk.length > 0) yield Buffer.from(csvText(chunk), 'utf8');
}
