// One attempt at a request: decrypt its key, run its dataset, write one artefact per batch report.
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { DataError, DataErrorMessage, type DatasetBuilder, type ReportRequest } from '../datasets/dataset.js';
import { artefactDay, artefactKey, writeArtefact } from '../export/artefact.js';
import type { RequestRow } from '../requests/request.repository.js';
import type { BuildProgress } from '../requests/request-queue.repository.js';
import { SAFE_ID, SAFE_ID_MAX } from '../requests/request.js';
import { openSecret } from '../secrets.js';
import type { BlobStore } from '../storage/blob-store.js';

export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor() {
    super('the lease on this request was lost: another worker owns it now');
  }
}

export interface BuildContext {
  config: Pick<Config, 'container' | 'timeZone'>;
  store: BlobStore;
  builders: ReadonlyMap<string, DatasetBuilder>;
  /** Report reads only (the root's `databases.reports`). */
  reportDatabase: Database;
  storedKeysKey: Buffer;
  /** Throws LeaseLostError when the attempt no longer owns the request. */
  ensureLease: () => Promise<void>;
  /** Counted as the build goes; the worker's checkpoint writes it about once a second. */
  progress: BuildProgress;
}

/** Builds every artefact of a request; returns their relative keys. Throws DataError for a final failure. */
export async function buildRequest(ctx: BuildContext, row: RequestRow, signal: AbortSignal): Promise<string[]> {
  const builder = ctx.builders.get(row.job_id);
  // Submit accepts only buildable datasets; this is a worker older than the API that took the request.
  if (!builder) throw new Error(`this worker cannot build dataset ${row.job_id}`);
  const password = row.encryption_key === null ? undefined : openSecret(row.encryption_key, ctx.storedKeysKey);
  const request: ReportRequest = {
    requestId: row.request_id,
    dataset: row.job_id,
    channel: row.requested_channel,
    datasetConfig: JSON.parse(row.request_data) as Record<string, unknown>,
    day: artefactDay(row.dt_job_submitted, ctx.config.timeZone),
  };
  const keys: string[] = [];
  for await (const report of builder.reports({ database: ctx.reportDatabase, timeZone: ctx.config.timeZone }, request)) {
    signal.throwIfAborted();
    // The batch id becomes part of a storage key.
    if (!SAFE_ID.test(report.batchId) || report.batchId.length > SAFE_ID_MAX) throw new Error(`batch id ${JSON.stringify(report.batchId.slice(0, 50))} cannot name a file`);
    const key = artefactKey({ dataset: row.job_id, requestId: row.request_id, batchId: report.batchId, reportKey: builder.reportKey, day: request.day });
    const rows = thenCheck(counted(report.rows, ctx.progress), ctx.ensureLease);
    await writeArtefact(ctx.store, ctx.config.container, key, { columns: report.columns, rows }, { password, signal });
    if (!keys.includes(key)) keys.push(key);
    ctx.progress.batchesDone += 1;
  }
  if (keys.length === 0) throw new DataError(DataErrorMessage.noData);
  return keys;
}

/** The rows, counted a chunk at a time (a field increment per chunk: nothing per row). */
async function* counted<T extends readonly unknown[]>(chunks: AsyncIterable<T>, progress: BuildProgress): AsyncGenerator<T> {
  for await (const chunk of chunks) {
    progress.rows += chunk.length;
    yield chunk;
  }
}

/** The rows, then a check before the end of the stream: failing it discards the artefact instead of storing it. */
async function* thenCheck<T>(rows: AsyncIterable<T>, check: () => Promise<void>): AsyncGenerator<T> {
  yield* rows;
  await check();
}
