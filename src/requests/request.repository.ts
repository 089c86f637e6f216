// Reads and writes of job_request made by the API. The worker's state changes live in
// request-queue.repository.ts.
import type { Kysely, Selectable, SelectQueryBuilder } from 'kysely';
import type { JobRequestTable, Tables } from '../db/database.js';
import { preparedQuery } from '../db/prepared-query.js';
import { RequestStatus, RESTARTABLE } from './request.js';

export type RequestRow = Selectable<JobRequestTable>;

/** What a JobStatus answer is made of; lists read only these (a third fewer values per row). */
export const JOB_STATUS_COLUMNS = [
  'progress_batches_done',
  'progress_rows',
  'request_id',
  'tag',
  'job_id',
  'requested_by',
  'requested_channel',
  'status',
  'last_updated',
  'request_data',
  'iteration',
  'dt_job_submitted',
  'dt_job_completed',
  'execution_time',
  'download_urls',
  'err_message',
] as const satisfies readonly (keyof RequestRow)[];
export type JobStatusRow = Pick<RequestRow, (typeof JOB_STATUS_COLUMNS)[number]>;

export interface NewRequest {
  tag: string;
  requestId: string;
  dataset: string;
  datasetConfig: unknown;
  requestedBy: string;
  channel: string;
  outputFormat: string;
  sealedKey: string | null;
  now: number;
}

/**
 * Inserts a SUBMITTED request, or — atomically, in the same statement — restarts a FAILED, CANCELLED
 * or EXPIRED one (RESTARTABLE) with
 * the new config and key, stale completion fields cleared and a fresh retry budget (`iteration`
 * keeps counting). Any other existing row is returned as it is. Safe under any concurrency:
 * the conflict clause and its WHERE run under the row lock on both dialects.
 */
export async function upsertRequest(db: Kysely<Tables>, r: NewRequest): Promise<JobStatusRow> {
  const { rows } = await insertOrRestart(db, {
    tag: r.tag,
    requestId: r.requestId,
    dataset: r.dataset,
    requestData: JSON.stringify(r.datasetConfig),
    requestedBy: r.requestedBy,
    channel: r.channel,
    outputFormat: r.outputFormat,
    sealedKey: r.sealedKey,
    now: r.now,
  });
  if (rows[0]) return rows[0];
  const existing = await findRequest(db, r.tag, r.requestId);
  // The row existed a moment ago and requests are never deleted by the API.
  if (!existing) throw new Error(`request ${r.requestId} vanished during submit`);
  return existing;
}

const insertOrRestart = preparedQuery(
  (
    db,
    v: { tag: string; requestId: string; dataset: string; requestData: string; requestedBy: string; channel: string; outputFormat: string; sealedKey: string | null; now: number },
  ) => {
    const restarted = {
      status: RequestStatus.SUBMITTED,
      job_id: v.dataset,
      request_data: v.requestData,
      output_format: v.outputFormat,
      encryption_key: v.sealedKey,
      dt_job_submitted: v.now,
      last_updated: v.now,
      next_attempt_at: v.now,
      download_urls: null,
      dt_file_created: null,
      dt_job_completed: null,
      execution_time: null,
      err_message: null,
      submission_attempts: 0,
      lease_losses: 0,
      progress_batches_done: null,
      progress_rows: null,
      lease_owner: null,
      lease_expires_at: null,
    };
    return db
      .insertInto('job_request')
      .values({ ...restarted, tag: v.tag, request_id: v.requestId, requested_by: v.requestedBy, requested_channel: v.channel, iteration: 0 })
      .onConflict((oc) => oc.columns(['tag', 'request_id']).doUpdateSet(restarted).where('job_request.status', 'in', [...RESTARTABLE]))
      .returning(JOB_STATUS_COLUMNS);
  },
);

const requestByTag = preparedQuery((db, v: { tag: string; requestId: string }) =>
  db.selectFrom('job_request').select(JOB_STATUS_COLUMNS).where('tag', '=', v.tag).where('request_id', '=', v.requestId),
);

export async function findRequest(db: Kysely<Tables>, tag: string, requestId: string): Promise<JobStatusRow | undefined> {
  return (await requestByTag(db, { tag, requestId })).rows[0];
}

export interface Page {
  limit: number;
  offset: number;
}

// A tag's list is the API's busiest page: its two shapes (with or without a status) are compiled once.
const pageOfTag = preparedQuery((db, v: { tag: string } & Page) => pageQuery(db.selectFrom('job_request').where('tag', '=', v.tag), v));
const pageOfTagInStatus = preparedQuery((db, v: { tag: string; status: RequestStatus } & Page) =>
  pageQuery(db.selectFrom('job_request').where('tag', '=', v.tag).where('status', '=', v.status), v),
);

export async function listRequests(
  db: Kysely<Tables>,
  tag: string,
  status: RequestStatus | undefined,
  page: Page,
): Promise<{ count: number; rows: JobStatusRow[] }> {
  const { rows } = status ? await pageOfTagInStatus(db, { tag, status, ...page }) : await pageOfTag(db, { tag, ...page });
  return counted(rows, () => {
    const query = db.selectFrom('job_request').where('tag', '=', tag);
    return status ? query.where('status', '=', status) : query;
  });
}

export interface SearchFilters {
  dataset?: string;
  status?: RequestStatus;
  channel?: string;
  requestedBy?: string;
  /** [start, end) of the requested day, epoch ms. */
  submittedBetween?: [number, number];
}

export async function searchRequests(db: Kysely<Tables>, f: SearchFilters, page: Page): Promise<{ count: number; rows: JobStatusRow[] }> {
  let query = db.selectFrom('job_request');
  if (f.dataset !== undefined) query = query.where('job_id', '=', f.dataset);
  if (f.status !== undefined) query = query.where('status', '=', f.status);
  if (f.channel !== undefined) query = query.where('requested_channel', '=', f.channel);
  if (f.requestedBy !== undefined) query = query.where('requested_by', '=', f.requestedBy);
  if (f.submittedBetween) {
    query = query.where('dt_job_submitted', '>=', f.submittedBetween[0]).where('dt_job_submitted', '<', f.submittedBetween[1]);
  }
  return pageOf(query, page);
}

/**
 * One page, newest first, and the count of all matches. The count rides along in the page's own
 * statement (an uncorrelated subquery, evaluated once): one round trip instead of two, and both
 * figures from one snapshot. Only a page past the end, which has no row to carry it, costs a
 * second statement.
 */
function pageQuery(query: SelectQueryBuilder<Tables, 'job_request', object>, page: Page) {
  return query
    .select(JOB_STATUS_COLUMNS)
    .select(query.select((eb) => eb.fn.countAll<number>().as('count')).as('total'))
    .orderBy('dt_job_submitted', 'desc')
    .orderBy('request_id')
    .limit(page.limit)
    .offset(page.offset);
}

async function pageOf(query: SelectQueryBuilder<Tables, 'job_request', object>, page: Page): Promise<{ count: number; rows: JobStatusRow[] }> {
  return counted(await pageQuery(query, page).execute(), () => query);
}

/** A page and the count of all matches: carried by its first row, or counted (a page past the end). */
async function counted(
  rows: Array<JobStatusRow & { total: number | null }>,
  matches: () => SelectQueryBuilder<Tables, 'job_request', object>,
): Promise<{ count: number; rows: JobStatusRow[] }> {
  if (rows.length > 0) return { count: Number(rows[0]!.total), rows };
  const { count } = await matches().select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  return { count: Number(count), rows };
}
