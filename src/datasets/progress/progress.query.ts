// The one query of a progress report: every active enrolment of the batch with its learner and,
// per assessment of the collection, the learner's best attempt — pivoted in SQL, ordered by user.
import { type Kysely, sql } from 'kysely';
import type { Tables } from '../../db/database.js';
import { dialectOf } from '../../db/dialect.js';
import type { BatchScope } from '../collection/batch-scope.js';

export interface ProgressRow {
  user_id: string;
  enrolled_date: string | null;
  completed_on: string | null;
  certificates: string;
  content_status: string;
  state: string | null;
  district: string | null;
  org_name: string | null;
  school_id: string | null;
  school_name: string | null;
  block: string | null;
  cluster: string | null;
  user_type: string | null;
  user_sub_type: string | null;
  board: string | null;
  /** `score_<i>` and `max_<i>`: the best attempt at the i-th assessment (sorted by id); null without one. */
  [pivot: `score_${number}` | `max_${number}`]: number | null | undefined;
}

/** Streams the rows of a batch, ordered by user. */
export function progressRows(db: Kysely<Tables>, scope: BatchScope, chunkRows: number): AsyncIterable<ProgressRow> {
  const enrolments = db
    .selectFrom('record_enrolment as e')
    .leftJoin('record_user as u', 'u.id', 'e.user_id')
    .where('e.batch_id', '=', scope.batch.id)
    .where('e.collection_id', '=', scope.collection.id)
    .where('e.active', '=', 1)
    .$if(scope.rootOrg !== undefined, (qb) => qb.where('u.root_org_id', '=', scope.rootOrg!))
    .select([
      'e.user_id', 'e.enrolled_date', 'e.completed_on', 'e.certificates', 'e.content_status',
      'u.state', 'u.district', 'u.org_name', 'u.school_id', 'u.school_name', 'u.block', 'u.cluster',
      'u.user_type', 'u.user_sub_type', 'u.board',
    ])
    .orderBy('e.user_id');
  if (scope.collection.assessments.length === 0) return enrolments.stream(chunkRows) as AsyncIterable<ProgressRow>;
  const withScores = dialectOf(db) === 'postgres'
    ? enrolments.leftJoin(bestAttemptsPivoted(db, scope).as('s'), 's.scored_user_id', 'e.user_id').selectAll('s')
    : enrolments.select((eb) => scope.collection.assessments.flatMap(({ id }, i) => {
      // One seek into record_attempt_best per cell: its first entry is the best attempt.
      const best = (column: 'total_score' | 'total_max_score') => eb
        .selectFrom('record_attempt as a')
        .whereRef('a.batch_id', '=', 'e.batch_id')
        .whereRef('a.collection_id', '=', 'e.collection_id')
        .whereRef('a.user_id', '=', 'e.user_id')
        .where('a.content_id', '=', id)
        .orderBy('a.total_score', (o) => o.desc().nullsLast())
        .orderBy('a.last_attempted_on', (o) => o.desc().nullsLast())
        .orderBy('a.attempt_id', 'desc')
        .limit(1)
        .select(`a.${column}`);
      return [best('total_score').as(`score_${i}`), best('total_max_score').as(`max_${i}`)];
    }));
  return withScores.stream(chunkRows) as AsyncIterable<ProgressRow>;
}

// Best attempt = highest total score, then the latest last_attempted_on (ISO text compared as text:
// chronological within one format and zone), then the highest attempt id so a tie has one answer;
// unscored attempts last (spelled out: PostgreSQL otherwise puts NULLs first when descending).
//
// Each engine gets the plan it runs well, both reading the index record_attempt_best in its order
// (measured on 2×10⁵ enrolments, 5×10⁵ attempts, 2 assessments): SQLite cannot merge-join, so a
// ranked sub-query costs it a materialisation and a temporary index (1.7 s) where a correlated seek
// per cell takes 0.9 s; PostgreSQL runs those seeks as sub-plans (5 s) but merge-joins the ranked,
// grouped attempts to the enrolments as they stream (0.9 s; raw enrolment export 0.4 s).
function bestAttemptsPivoted(db: Kysely<Tables>, scope: BatchScope) {
  const ids = scope.collection.assessments.map((a) => a.id);
  const ranked = db
    .selectFrom('record_attempt')
    .where('batch_id', '=', scope.batch.id)
    .where('collection_id', '=', scope.collection.id)
    .where('content_id', 'in', ids)
    .select((eb) => [
      'user_id', 'content_id', 'total_score', 'total_max_score',
      eb.fn.agg<number>('row_number').over((ob) =>
        ob.partitionBy(['user_id', 'content_id'])
          .orderBy('total_score', (o) => o.desc().nullsLast())
          .orderBy('last_attempted_on', (o) => o.desc().nullsLast())
          .orderBy('attempt_id', 'desc'),
      ).as('attempt_rank'),
    ]);
  return db
    .selectFrom(ranked.as('b'))
    .where('b.attempt_rank', '=', 1)
    .groupBy('b.user_id')
    .select('b.user_id as scored_user_id')
    .select(ids.flatMap((id, i) => [
        sql<number | null>`max(case when ${sql.ref('b.content_id')} = ${id} then ${sql.ref('b.total_score')} end)`.as(`score_${i}`),
        sql<number | null>`max(case when ${sql.ref('b.content_id')} = ${id} then ${sql.ref('b.total_max_score')} end)`.as(`max_${i}`),
    ]));
}
