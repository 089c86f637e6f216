// The worker's state changes of job_request, each one named operation and one atomic statement.
// A lease is a worker's claim on a request: `lease_owner` names the claim (unique per claim, so an old
// claim never matches a newer one) and `lease_expires_at` says until when it holds without renewal.
// Every write of a claimed request is conditional on still owning the lease: a worker that lost its
// lease (it stalled, the reaper gave the request to another) can never overwrite the newer outcome.
import type { Kysely, UpdateQueryBuilder, UpdateResult } from 'kysely';
import type { Database, Tables } from '../db/database.js';
import { skipLocked } from '../db/skip-locked.js';
import { MAX_ATTEMPTS, RequestStatus } from './request.js';
import { JOB_STATUS_COLUMNS, type JobStatusRow, type RequestRow } from './request.repository.js';

/** A claimed request and the claim itself. */
export interface Lease {
  row: RequestRow;
  owner: string;
  /** When the claim was made (epoch ms): the start of the attempt. */
  claimedAt: number;
}

/** First retry after 10 s, then 20 s, 40 s, … (DESIGN §8). */
export const BACKOFF_BASE_MS = 10_000;
/** Longest statusMessage stored. */
export const MESSAGE_MAX = 300;

export const backoffMs = (attempts: number) => BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1);
/** While a service is away, a request is tried again this often (not counted as an attempt). */
export const OUTAGE_RETRY_MS = 30_000;
const clip = (message: string) => (message.length > MESSAGE_MAX ? message.slice(0, MESSAGE_MAX - 1) + '…' : message);

/**
 * Claims a due request (SUBMITTED, next_attempt_at ≤ now): PROCESSING under `owner` until
 * `now + leaseMs`, one more attempt counted. Undefined when nothing is due.
 *
 * Fair share: the requests of channels running fewer than `share` requests come first, the oldest
 * due first among them; only when every waiting channel is at its share does the oldest request
 * go over it (a worker never idles while work waits). So a channel that submits 500 requests
 * delays another channel's single request by at most the build in progress.
 */
export async function claimRequest(database: Database, owner: string, now: number, leaseMs: number, share = Number.POSITIVE_INFINITY): Promise<Lease | undefined> {
  const { db, dialect } = database;
  const row = await db
    .updateTable('job_request')
    .set((eb) => ({
      status: RequestStatus.PROCESSING,
      lease_owner: owner,
      lease_expires_at: now + leaseMs,
      iteration: eb('iteration', '+', 1),
      submission_attempts: eb('submission_attempts', '+', 1),
      last_updated: now,
    }))
    // `=`, not `IN`: PostgreSQL may plan `IN (subquery)` as a semi-join that re-runs the subquery
    // for every row it scans — and with SKIP LOCKED each run locks the next row, so one claim took
    // every due request. A row compared with `=` to an uncorrelated subquery is an InitPlan: run once.
    .where((eb) =>
      eb(
        eb.refTuple('tag', 'request_id'),
        '=',
        skipLocked(
          dialect,
          eb
            .selectFrom('job_request as due')
            .select(['due.tag', 'due.request_id'])
            .where('due.status', '=', RequestStatus.SUBMITTED)
            .where('due.next_attempt_at', '<=', now)
            // Channels under their share first (false sorts before true on both databases). The
            // channels at their share are found once per claim (an uncorrelated subquery: a hashed
            // set on PostgreSQL, a temporary index on SQLite), not counted again for every due row.
            .$if(Number.isFinite(share), (q) =>
              q.orderBy((eb) =>
                eb(
                  'due.requested_channel',
                  'in',
                  eb
                    .selectFrom('job_request as running')
                    .select('running.requested_channel')
                    .where('running.status', '=', RequestStatus.PROCESSING)
                    .groupBy('running.requested_channel')
                    .having((eb) => eb.fn.countAll(), '>=', share),
                ),
              ),
            )
            // FIFO by the time a request became due: fresh submissions and retries alike.
            .orderBy('due.next_attempt_at')
            .orderBy('due.dt_job_submitted')
            .limit(1),
        ).$asTuple('tag', 'request_id'),
      ),
    )
    // Re-checked on the row itself: on PostgreSQL a concurrent claim may have moved it meanwhile.
    .where('status', '=', RequestStatus.SUBMITTED)
    .returningAll()
    .executeTakeFirst();
  return row ? { row, owner, claimedAt: now } : undefined;
}

/** Extends the lease while the worker works; false when the lease is no longer this worker's. */
export async function renewLease(db: Kysely<Tables>, lease: Lease, now: number, leaseMs: number): Promise<boolean> {
  const result = await ownedBy(db.updateTable('job_request').set({ lease_expires_at: now + leaseMs }), lease).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** How far a build has come (see job-status.ts; the batches asked for are datasetConfig's). */
export interface BuildProgress {
  batchesDone: number;
  rows: number;
}

const progressColumns = (p: BuildProgress) => ({ progress_batches_done: p.batchesDone, progress_rows: p.rows });

/**
 * The worker's checkpoint: records how far the build has come and extends the lease, in one write
 * about once a second (never per row). False when the request is no longer this attempt's
 * (cancelled, or the lease lost): the worker then stops building.
 */
export async function recordProgress(db: Kysely<Tables>, lease: Lease, progress: BuildProgress, now: number, leaseMs: number): Promise<boolean> {
  const result = await ownedBy(db.updateTable('job_request').set({ ...progressColumns(progress), lease_expires_at: now + leaseMs }), lease).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** SUCCESS with the artefacts' relative keys and the final progress; the encryption key is erased. False when the lease was lost. */
export async function completeRequest(db: Kysely<Tables>, lease: Lease, keys: readonly string[], now: number, progress?: BuildProgress): Promise<boolean> {
  const result = await ownedBy(
    db.updateTable('job_request').set({
      ...(progress ? progressColumns(progress) : {}),
      status: RequestStatus.SUCCESS,
      download_urls: JSON.stringify(keys),
      dt_file_created: now,
      dt_job_completed: now,
      execution_time: now - lease.claimedAt,
      err_message: null,
      encryption_key: null,
      lease_owner: null,
      lease_expires_at: null,
      last_updated: now,
    }),
    lease,
  ).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export type AttemptOutcome = typeof RequestStatus.SUBMITTED | typeof RequestStatus.FAILED;

/**
 * Records a failed attempt. `final` (a DataError) → FAILED at once. An `outage` (the database or the
 * store away) → SUBMITTED again after OUTAGE_RETRY_MS, the attempt not counted: an outage says
 * nothing about the request. Otherwise back to SUBMITTED, due after the backoff, while the retry
 * budget lasts; FAILED when it is spent. The message becomes the statusMessage either way; the
 * encryption key is erased once FAILED. Undefined when the lease was lost.
 */
export async function failAttempt(
  db: Kysely<Tables>,
  lease: Lease,
  failure: { message: string; final: boolean; outage?: boolean },
  now: number,
): Promise<AttemptOutcome | undefined> {
  // The claimed row's count is current: only the lease owner changes it, and every write checks the owner.
  const attempts = lease.row.submission_attempts;
  const failed = failure.final || (!failure.outage && attempts >= MAX_ATTEMPTS);
  const common = { err_message: clip(failure.message), lease_owner: null, lease_expires_at: null, last_updated: now };
  const update = db.updateTable('job_request').set((eb) =>
    failed
      ? { ...common, status: RequestStatus.FAILED, encryption_key: null, dt_job_completed: now, execution_time: now - lease.claimedAt }
      : failure.outage
        ? {
            ...common,
            err_message: clip(`waiting for a service to come back: ${failure.message}`),
            status: RequestStatus.SUBMITTED,
            next_attempt_at: now + OUTAGE_RETRY_MS,
            // The claim counted this attempt; an outage gives it back.
            submission_attempts: eb('submission_attempts', '-', 1),
          }
        : { ...common, status: RequestStatus.SUBMITTED, next_attempt_at: now + backoffMs(attempts) },
  );
  const result = await ownedBy(update, lease).executeTakeFirst();
  if (result.numUpdatedRows === 0n) return undefined;
  return failed ? RequestStatus.FAILED : RequestStatus.SUBMITTED;
}

/**
 * Gives a request back without counting the attempt (graceful shutdown): SUBMITTED, due at once,
 * the claim's increments undone. False when the lease was already lost.
 */
export async function releaseRequest(db: Kysely<Tables>, lease: Lease, now: number): Promise<boolean> {
  const result = await ownedBy(
    db.updateTable('job_request').set((eb) => ({
      status: RequestStatus.SUBMITTED,
      iteration: eb('iteration', '-', 1),
      submission_attempts: eb('submission_attempts', '-', 1),
      next_attempt_at: now,
      lease_owner: null,
      lease_expires_at: null,
      last_updated: now,
    })),
    lease,
  ).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export const STALLED_MESSAGE = 'the worker building this report stopped responding; it will be retried';
export const stalledFinalMessage = (losses: number) =>
  `the report could not be built: its worker stopped responding ${losses} times (a report may be too large for a worker, or crash it)`;

/**
 * Recovers requests whose worker died or stalled (PROCESSING, lease expired before `now`): SUBMITTED
 * and due at once while the crash budget (`maxLeaseLosses`) lasts, else FAILED with the key erased.
 * A lost lease is counted apart from the errors of building (its attempt is given back): workers
 * killed by a deployment say nothing about the request. A report that kills its worker every time
 * still ends, once the crash budget is spent.
 */
export async function reapExpiredLeases(db: Kysely<Tables>, now: number, maxLeaseLosses: number): Promise<{ retried: number; failed: number }> {
  const expired = db
    .updateTable('job_request')
    .where('status', '=', RequestStatus.PROCESSING)
    .where('lease_expires_at', '<', now);
  const cleared = { lease_owner: null, lease_expires_at: null, last_updated: now };
  const failed = await expired
    .set((eb) => ({
      ...cleared,
      status: RequestStatus.FAILED,
      err_message: stalledFinalMessage(maxLeaseLosses),
      encryption_key: null,
      dt_job_completed: now,
      lease_losses: eb('lease_losses', '+', 1),
      submission_attempts: eb('submission_attempts', '-', 1),
    }))
    .where('lease_losses', '>=', maxLeaseLosses - 1)
    .executeTakeFirst();
  const retried = await expired
    .set((eb) => ({
      ...cleared,
      status: RequestStatus.SUBMITTED,
      err_message: STALLED_MESSAGE,
      next_attempt_at: now,
      lease_losses: eb('lease_losses', '+', 1),
      submission_attempts: eb('submission_attempts', '-', 1),
    }))
    .where('lease_losses', '<', maxLeaseLosses - 1)
    .executeTakeFirst();
  return { retried: Number(retried.numUpdatedRows), failed: Number(failed.numUpdatedRows) };
}

const CANCELLED_MESSAGE = 'Cancelled at the requester\'s ask; submit it again to start afresh.';

/**
 * Cancels a SUBMITTED or PROCESSING request: CANCELLED (final), its key erased, its lease cleared.
 * A worker building it learns of it at its next progress checkpoint (its lease no longer holds) and
 * stops. The cancelled row; undefined when the request is not in a state that can be cancelled.
 */
export async function cancelRequest(db: Kysely<Tables>, tag: string, requestId: string, now: number): Promise<JobStatusRow | undefined> {
  return db
    .updateTable('job_request')
    .set({
      status: RequestStatus.CANCELLED,
      err_message: CANCELLED_MESSAGE,
      encryption_key: null,
      lease_owner: null,
      lease_expires_at: null,
      dt_job_completed: now,
      last_updated: now,
    })
    .where('tag', '=', tag)
    .where('request_id', '=', requestId)
    .where('status', 'in', [RequestStatus.SUBMITTED, RequestStatus.PROCESSING])
    .returning(JOB_STATUS_COLUMNS)
    .executeTakeFirst();
}

/** Narrows a write to the row this lease still holds. */
type JobRequestUpdate = UpdateQueryBuilder<Tables, 'job_request', 'job_request', UpdateResult>;
function ownedBy(query: JobRequestUpdate, lease: Lease): JobRequestUpdate {
  return query
    .where('tag', '=', lease.row.tag)
    .where('request_id', '=', lease.row.request_id)
    .where('status', '=', RequestStatus.PROCESSING)
    .where('lease_owner', '=', lease.owner);
}
