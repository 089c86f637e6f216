// Imports one JSON Lines file of one entity, streamed: lines are read, validated and upserted in
// batches inside ONE transaction, so a file is applied whole or not at all. After the first bad
// line nothing more is written, but the rest is still read so that every bad line can be reported.
import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import { type RecordEntity, type RecordEntityName, type RecordRow, toRecordRow } from './entities.js';
import { type ReadLinesOptions, readLines } from './lines.js';
import { rowsPerStatement, upsertRecords } from './records.repository.js';

/** Bad lines listed per file; the rest are only counted. */
export const MAX_REPORTED_ERRORS = 20;

export interface LineError {
  line: number;
  reason: string;
}

export interface ImportResult {
  entity: RecordEntityName;
  /** Records written; 0 when the file was refused. A key repeated in the file counts each time. */
  rows: number;
  /** The first MAX_REPORTED_ERRORS bad lines, in file order. */
  errors: LineError[];
  /** Every bad line, listed or not. Any → nothing of the file was applied. */
  badLines: number;
}

export interface ImportOptions extends ReadLinesOptions {
  /** Rows per INSERT statement (default ROWS_PER_STATEMENT, lowered to fit parameter limits). */
  rowsPerStatement?: number;
}

/** Thrown inside the transaction to roll it back once a bad line was seen. */
class FileRefused extends Error {}

export async function importRecords(
  db: Kysely<Tables>,
  entity: RecordEntity,
  input: AsyncIterable<Uint8Array | string>,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const errors: LineError[] = [];
  let badLines = 0;
  let rows = 0;
  const refuse = (line: number, reason: string) => {
    badLines += 1;
    if (errors.length < MAX_REPORTED_ERRORS) errors.push({ line, reason });
  };

  try {
    await db.transaction().execute(async (trx) => {
      // Keyed by natural key: a key twice in one statement fails on PostgreSQL, and the later line must win.
      const batch = new Map<string, RecordRow>();
      let batchLimit = 0;
      const flush = async () => {
        await upsertRecords(trx, entity, [...batch.values()]);
        batch.clear();
      };
      for await (const line of readLines(input, options)) {
        if ('error' in line) {
          refuse(line.number, line.error);
          continue;
        }
        const parsed = parseLine(entity, line.text);
        if ('reason' in parsed) {
          refuse(line.number, parsed.reason);
          continue;
        }
        rows += 1;
        if (badLines > 0) continue;
        batch.set(naturalKeyOf(entity, parsed.row), parsed.row);
        batchLimit ||= rowsPerStatement(Object.keys(parsed.row).length, options.rowsPerStatement);
        if (batch.size >= batchLimit) await flush();
      }
      if (badLines > 0) throw new FileRefused();
      await flush();
    });
  } catch (error) {
    if (!(error instanceof FileRefused)) throw error;
  }
  return { entity: entity.name, rows: badLines > 0 ? 0 : rows, errors, badLines };
}

function parseLine(entity: RecordEntity, text: string): { row: RecordRow } | { reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { reason: `invalid JSON (${(error as Error).message})` };
  }
  return toRecordRow(entity, value);
}

// Ids never contain NUL (fields.ts refuses it), so it separates key parts unambiguously.
function naturalKeyOf(entity: RecordEntity, row: RecordRow): string {
  const values = row as unknown as Record<string, unknown>;
  return entity.key.map((column) => values[column]).join('\u0000');
}

/** `<where(line)>: <reason>` per listed bad line, then how many more were not listed. */
export function describeBadLines(result: Pick<ImportResult, 'errors' | 'badLines'>, where: (line: number) => string): string[] {
  const described = result.errors.map((e) => `${where(e.line)}: ${e.reason}`);
  const more = result.badLines - result.errors.length;
  if (more > 0) described.push(`… and ${more} more bad line${more === 1 ? '' : 's'}`);
  return described;
}
