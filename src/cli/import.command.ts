// `exhaust import <dir>`: loads whichever of users.jsonl … consents.jsonl the folder holds. Each
// file is applied whole or not at all; a bad file does not stop the others.
import cliProgress from 'cli-progress';
import { type Kysely, sql } from 'kysely';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import type { Tables } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { closeServices, openServices } from '../services.js';
import { type RecordEntity, recordEntities } from '../records/entities.js';
import { describeBadLines, type ImportOptions, type ImportResult, importRecords } from '../records/import.js';
import { UsageError } from './usage-error.js';

const USAGE = 'usage: exhaust import <dir>  (reads users.jsonl, collections.jsonl, batches.jsonl, enrolments.jsonl, attempts.jsonl, consents.jsonl)';

/** 0 all imported, 1 some file had bad lines (that file was not applied), 2 usage. */
export async function importCommand(args: string[]): Promise<number> {
  const [dir, ...extra] = args;
  if (!dir || extra.length > 0) throw new UsageError(USAGE);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a directory`);
  const found = recordEntities.filter((entity) => existsSync(join(dir, entity.file)));
  if (found.length === 0) throw new UsageError(`no record files in ${dir}; expected any of ${recordEntities.map((e) => e.file).join(', ')}`);

  const services = await openServices(loadConfig());
  try {
    await migrateToLatest(services.databases.main);
    const results: ImportResult[] = [];
    for (const entity of found) {
      const result = await importFile(services.databases.imports.db, entity, join(dir, entity.file));
      for (const line of describeBadLines(result, (n) => `${entity.file}:${n}`)) console.error(line);
      results.push(result);
    }
    console.log(`imported ${results.map((r) => `${r.entity}=${r.badLines > 0 ? 'rejected' : r.rows}`).join(' ')}`);
    if (services.databases.imports.dialect === 'postgres') {
      const loaded = found.filter((_, i) => results[i]!.badLines === 0 && results[i]!.rows > 0);
      await vacuumLoaded(services.databases.imports.db, loaded);
    }
    return results.some((r) => r.badLines > 0) ? 1 : 0;
  } finally {
    await closeServices(services);
  }
}

/**
 * PostgreSQL: VACUUM (ANALYZE) of the tables a load wrote, as autovacuum would within a minute or
 * so. Until their pages are marked all-visible, a report cannot read the attempts index alone: it
 * scans the table and sorts the batch's attempts on disk (1.6× slower at 10⁵ enrolments). Pages
 * already all-visible are skipped, so a small load costs little.
 */
async function vacuumLoaded(db: Kysely<Tables>, loaded: RecordEntity[]): Promise<void> {
  for (const entity of loaded) await sql`vacuum (analyze) ${sql.table(entity.table)}`.execute(db);
}

async function importFile(db: Kysely<Tables>, entity: RecordEntity, path: string): Promise<ImportResult> {
  const bar = progressBar(entity.file, statSync(path).size);
  try {
    return await importRecords(db, entity, createReadStream(path, { highWaterMark: 256 * 1024 }), { onBytes: bar?.onBytes });
  } finally {
    bar?.stop();
  }
}

/** A bar on stderr by bytes read, only for a person watching: logs and pipes stay clean. */
function progressBar(file: string, totalBytes: number): { onBytes: NonNullable<ImportOptions['onBytes']>; stop(): void } | undefined {
  if (!process.stderr.isTTY) return undefined;
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: '{file} [{bar}] {percentage}% | {done}/{total_mib} MiB | ETA {eta_formatted}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let done = 0;
  bar.start(totalBytes, 0, { file, done: mib(0), total_mib: mib(totalBytes) });
  return {
    onBytes: (bytes) => {
      done += bytes;
      bar.update(done, { done: mib(done) });
    },
    stop: () => bar.stop(),
  };
}
