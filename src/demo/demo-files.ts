// Writes a demo as the six JSON Lines files `exhaust import <dir>` reads. Each file is streamed in
// chunks and waits for the disk when the stream's buffer is full, so 10⁶ learners take no more
// memory than ten.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { findRecordEntity, type RecordEntityName, recordEntityNames } from '../records/entities.js';
import type { DemoPlan } from './demo-plan.js';
import { demoLines, unitsOf } from './demo-records.js';

/** Records written per file. */
export type DemoCounts = Record<RecordEntityName, number>;

export interface DemoProgress {
  /** A file is about to be written: `units` collections, batches or learners. */
  startFile?(file: string, units: number): void;
  /** `units` more of the current file written. */
  advance?(units: number): void;
}

export async function writeDemoFiles(plan: DemoPlan, dir: string, progress: DemoProgress = {}): Promise<DemoCounts> {
  const counts = Object.fromEntries(recordEntityNames.map((name) => [name, 0])) as DemoCounts;
  for (const entity of recordEntityNames) {
    const file = findRecordEntity(entity)!.file;
    progress.startFile?.(file, unitsOf(plan, entity));
    const out = createWriteStream(join(dir, file));
    const failed = new Promise<never>((_, reject) => out.once('error', reject));
    failed.catch(() => undefined);
    let units = 0;
    const onGroup = (records: number) => {
      counts[entity] += records;
      units += 1;
    };
    for (const chunk of demoLines(plan, entity, onGroup)) {
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
      progress.advance?.(units);
      units = 0;
    }
    out.end();
    await finished(out);
  }
  return counts;
}
