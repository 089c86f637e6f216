// response-exhaust: a row per question per attempt made in the batch by an active enrolment.
import type { Database } from '../../db/database.js';
import type { BatchScope } from '../collection/batch-scope.js';
import { collectionDataset, STREAM_CHUNK_ROWS } from '../collection/collection-dataset.js';
import { batchIdCell, dateTimeCell, jsonCell, jsonValueCell, text } from '../collection/format.js';
import type { DatasetBuilder } from '../dataset.js';

const columns = [
  'Collection Id', 'Collection Name', 'Batch Id', 'Batch Name', 'User UUID', 'QuestionSet Id', 'QuestionSet Title',
  'Attempt Id', 'Attempted On', 'Question Id', 'Question Type', 'Question Title', 'Question Description',
  'Question Duration', 'Question Score', 'Question Max Score', 'Question Options', 'Question Response',
] as const;

interface Question {
  id?: unknown;
  type?: unknown;
  title?: unknown;
  description?: unknown;
  duration?: unknown;
  score?: unknown;
  maxScore?: unknown;
  params?: unknown;
  response?: unknown;
}

export const responseDataset: DatasetBuilder = collectionDataset({
  id: 'response-exhaust',
  reportKey: 'response',
  columns: () => columns,
  async *rows(ctx, scope) {
    const { collection, batch } = scope;
    const prefix = [collection.id, text(collection.name), batchIdCell(batch.id), text(batch.name)];
    // An attempt of a content that is no longer among the collection's assessments still has its
    // responses reported; only its title is unknown.
    const titles = new Map(collection.assessments.map((a) => [a.id, a.name]));
    for await (const attempts of attemptRows(ctx.database, scope)) {
      const rows: unknown[][] = [];
      for (const [userId, contentId, attemptId, lastAttemptedOn, questions] of attempts) {
        const attempt = [...prefix, userId, contentId, titles.get(contentId) ?? '', attemptId, dateTimeCell(lastAttemptedOn, ctx.timeZone)];
        for (const q of questionsOf(questions)) {
          rows.push([
            ...attempt, jsonValueCell(q.id), jsonValueCell(q.type), jsonValueCell(q.title), jsonValueCell(q.description),
            jsonValueCell(q.duration), jsonValueCell(q.score), jsonValueCell(q.maxScore), jsonCell(q.params), jsonCell(q.response),
          ]);
        }
      }
      // Attempts without questions make no rows.
      if (rows.length > 0) yield rows;
    }
  },
});

/** The attempts of this batch only, of its active enrolments, in a stable order (the primary key's). */
function attemptRows(database: Database, scope: BatchScope) {
  const query = database.db
    .selectFrom('record_attempt as a')
    .innerJoin('record_enrolment as e', (join) =>
      join.onRef('e.batch_id', '=', 'a.batch_id').onRef('e.user_id', '=', 'a.user_id').onRef('e.collection_id', '=', 'a.collection_id'),
    )
    .where('a.batch_id', '=', scope.batch.id)
    .where('a.collection_id', '=', scope.collection.id)
    .where('e.active', '=', 1)
    .$if(scope.rootOrg !== undefined, (qb) =>
      qb.innerJoin('record_user as u', 'u.id', 'a.user_id').where('u.root_org_id', '=', scope.rootOrg!),
    )
    .select(['a.user_id', 'a.content_id', 'a.attempt_id', 'a.last_attempted_on', 'a.questions'])
    .orderBy('a.user_id')
    .orderBy('a.content_id')
    .orderBy('a.attempt_id');
  // In select order.
  type AttemptRow = [userId: string, contentId: string, attemptId: string, lastAttemptedOn: string | null, questions: string];
  return database.streamRows<AttemptRow>(query.compile(), STREAM_CHUNK_ROWS);
}

function questionsOf(json: string): Question[] {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.filter((q): q is Question => q !== null && typeof q === 'object') : [];
  } catch {
    return [];
  }
}
