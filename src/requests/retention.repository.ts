// The sweeper's state changes of job_request (sweeper/sweeper.ts), each one named operation and one
// conditional statement, as the worker's are (request-queue.repository.ts).
// A sweep claim is the sweeper's lease on a request: `sweep_owner` names the claim (unique per batch,
// so an old claim never matches a newer one), `sweep_until` says until when it holds. A batch is
// claimed in one statement; each request is then checked (and its claim extended) right before its
// artefacts are deleted, and recorded afterwards — every write conditional on the status (and, for
// FAILED and CANCELLED, `last_updated`) the claim saw and on the claim itself, so a request that
// moved on meanwhile (a resubmission) is never touched, and a claim whose holder died runs out.
import { type ExpressionBuilder, type Kysely, sql, type SqlBool } from 'kysely';
import type { Database, Tables } from '../db/database.js';
import { skipLocked } from '../db/skip-locked.js';
import { RequestStatus } from './request.js';

/** A request claimed for a sweep, and the claim. */
export interface SweepClaim {
  owner: string;
  tag: string;
  requestId: string;
  dataset: string;
  status: RequestStatus;
  /** As the claim saw it: writes check it is unchanged. */
  lastUpdated: number;
  /** The artefacts' relative keys as stored (SUCCESS requests). */
  keys: string[];
}

export interface ClaimWindow {
  now: number;
  /** How long the claim holds without renewal, ms. */
  claimMs: number;
  /** Requests claimed at most. */
  limit: number;
}

/**
 * Claims up to `limit` SUCCESS requests completed before `completedBefore` (their retention is over),
 * oldest first, that no live claim holds.
 */
export function claimExpiring(database: Database, owner: string, completedBefore: number, window: ClaimWindow): Promise<SweepClaim[]> {
  return claimBatch(
    database,
    owner,
    window,
    (eb) => eb.and([eb('status', '=', RequestStatus.SUCCESS), eb('dt_job_completed', '<', completedBefore), claimFree(eb, window.now)]),
    'dt_job_completed',
  );
}

// Word for word the predicate of the partial index job_request_unswept (migration 0008), statuses
// as literals: SQLite uses a partial index only for a query that states its terms.
const UNSWEPT = sql.raw<SqlBool>(
  `status in ('${RequestStatus.FAILED}', '${RequestStatus.CANCELLED}') and (swept_as_of is null or swept_as_of <> last_updated)`,
);

/**
 * Claims up to `limit` FAILED or CANCELLED requests whose artefacts were not swept since they last
 * changed, and which have not changed since `updatedBefore` (so that no writer of the attempt that
 * ended them is still finishing an upload), oldest first, that no live claim holds.
 */
export function claimUnswept(database: Database, owner: string, updatedBefore: number, window: ClaimWindow): Promise<SweepClaim[]> {
  return claimBatch(database, owner, window, (eb) => eb.and([UNSWEPT, eb('last_updated', '<', updatedBefore), claimFree(eb, window.now)]), 'last_updated');
}

type Due = (eb: ExpressionBuilder<Tables, 'job_request'>) => ReturnType<ExpressionBuilder<Tables, 'job_request'>['and']>;

/**
 * One statement: the candidates, picked once (a materialized CTE: PostgreSQL may otherwise run a
 * subquery again for every row it updates, and with SKIP LOCKED each run takes further rows), then
 * claimed, `due` re-checked on each row itself (another claim may have moved it meanwhile).
 */
async function claimBatch(database: Database, owner: string, window: ClaimWindow, due: Due, oldestFirst: 'dt_job_completed' | 'last_updated'): Promise<SweepClaim[]> {
  const { db, dialect } = database;
  const rows = await db
    .with(
      (cte) => cte('picked').materialized(),
      (qb) => skipLocked(dialect, qb.selectFrom('job_request').select(['tag', 'request_id']).where(due).orderBy(oldestFirst).limit(window.limit)),
    )
    .updateTable('job_request')
    .set({ sweep_owner: owner, sweep_until: window.now + window.claimMs })
    .where((eb) => eb(eb.refTuple('tag', 'request_id'), 'in', eb.selectFrom('picked').select(['picked.tag', 'picked.request_id']).$asTuple('tag', 'request_id')))
    .where(due)
    .returning(['tag', 'request_id', 'job_id', 'status', 'last_updated', 'download_urls'])
    .execute();
  return rows.map((row) => ({
    owner,
    tag: row.tag,
    requestId: row.request_id,
    dataset: row.job_id,
    status: row.status as RequestStatus,
    lastUpdated: row.last_updated,
    keys: row.download_urls === null ? [] : (JSON.parse(row.download_urls) as string[]),
  }));
}

const claimFree = (eb: ExpressionBuilder<Tables, 'job_request'>, now: number) => eb.or([eb('sweep_until', 'is', null), eb('sweep_until', '<', now)]);

/** The claimed request, still as the claim saw it and still claimed by it. */
const claimed = (db: Kysely<Tables>, claim: SweepClaim) =>
  db
    .updateTable('job_request')
    .where('tag', '=', claim.tag)
    .where('request_id', '=', claim.requestId)
    .where('sweep_owner', '=', claim.owner)
    .where('status', '=', claim.status)
    .where('last_updated', '=', claim.lastUpdated);

/**
 * Extends the claim right before the request's artefacts are deleted; false when the request moved
 * on (resubmitted, say) or the claim ran out and another sweeper took it: then nothing is deleted.
 */
export async function holdSweepClaim(db: Kysely<Tables>, claim: SweepClaim, now: number, claimMs: number): Promise<boolean> {
  const result = await claimed(db, claim).set({ sweep_until: now + claimMs }).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** SUCCESS → EXPIRED once its artefacts are deleted: no links any more, `message` says why; the claim ends. */
export async function expireRequest(db: Kysely<Tables>, claim: SweepClaim, now: number, message: string): Promise<boolean> {
  const result = await claimed(db, claim)
    .set({ status: RequestStatus.EXPIRED, download_urls: null, err_message: message, last_updated: now, sweep_owner: null, sweep_until: null })
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Records that a FAILED or CANCELLED request's artefacts are gone, as of its current `last_updated`; the claim ends. */
export async function markSwept(db: Kysely<Tables>, claim: SweepClaim): Promise<boolean> {
  const result = await claimed(db, claim).set({ swept_as_of: claim.lastUpdated, sweep_owner: null, sweep_until: null }).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
