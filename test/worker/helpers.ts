// Shared by the worker tests of this folder: test builders and a quick way to queue requests.
import type { BatchReport, DatasetBuilder, ReportContext, ReportRequest } from '../../src/datasets/dataset.js';
import type { Database } from '../../src/db/database.js';
import { type JobStatusRow, upsertRequest } from '../../src/requests/request.repository.js';
import { sealSecret } from '../../src/secrets.js';

export type ReportsFn = (ctx: ReportContext, request: ReportRequest) => AsyncIterable<BatchReport>;

/** A builder for a registered dataset id, doing whatever the test needs. */
export const testBuilders = (reports: ReportsFn, id = 'progress-exhaust', reportKey = 'progress'): ReadonlyMap<string, DatasetBuilder> =>
  new Map([[id, { id, reportKey, reports }]]);

/** The rows as a report streams them: in chunks (here one). */
export async function* rowsOf(rows: unknown[][]): AsyncGenerator<unknown[][]> {
  if (rows.length > 0) yield rows;
}

/** A promise the test opens by hand. */
export function gate(): { wait: Promise<void>; open: () => void; reached: Promise<void>; arrive: () => void } {
  let open!: () => void;
  let arrive!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  return { wait, open, reached, arrive };
}

/** Queues a request as submit would (sealed key included). */
export function queueRequest(
  database: Database,
  storedKeys: Buffer,
  now: number,
  r: { requestId: string; tag?: string; batchId?: string; encryptionKey?: string; channel?: string },
): Promise<JobStatusRow> {
  return upsertRequest(database.db, {
    tag: r.tag ?? `tag-1:${r.channel ?? 'ch1'}`,
    requestId: r.requestId,
    dataset: 'progress-exhaust',
    datasetConfig: { batchId: r.batchId ?? 'b1' },
    requestedBy: 'user-1',
    channel: r.channel ?? 'ch1',
    outputFormat: 'csv',
    sealedKey: r.encryptionKey === undefined ? null : sealSecret(r.encryptionKey, storedKeys),
    now,
  });
}

export const rowOf = (database: Database, requestId: string) =>
  database.db.selectFrom('job_request').selectAll().where('request_id', '=', requestId).executeTakeFirstOrThrow();
