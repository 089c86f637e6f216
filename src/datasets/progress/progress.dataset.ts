// progress-exhaust: a row per active enrolment — who the learner is, how far through the
// collection they are, their certificate, and their best score per assessment.
import type { DatasetBuilder } from '../dataset.js';
import type { BatchScope } from '../collection/batch-scope.js';
import { collectionDataset, STREAM_CHUNK_ROWS } from '../collection/collection-dataset.js';
import { batchIdCell, dateCell, EMPTY, percentCeil, percentHalfUp, text } from '../collection/format.js';
import { type ProgressRow, progressRows } from './progress.query.js';

const fixedColumns = [
  'Collection Id', 'Collection Name', 'Batch Id', 'Batch Name', 'User UUID', 'State', 'District', 'Org Name',
  'School Id', 'School Name', 'Block Name', 'Cluster Name', 'User Type', 'User Sub Type', 'Declared Board',
  'Enrolment Date', 'Completion Date', 'Certificate Status', 'Progress', 'Total Score',
] as const;
const TOTAL_SCORE = fixedColumns.indexOf('Total Score');

export const progressDataset: DatasetBuilder = collectionDataset({
  id: 'progress-exhaust',
  reportKey: 'progress',
  columns: (scope) => [...fixedColumns, ...scope.collection.assessments.map((a) => `${a.id} - Score`)],
  async *rows(ctx, scope) {
    const { collection, batch } = scope;
    const prefix = [collection.id, text(collection.name), batchIdCell(batch.id), text(batch.name)];
    const scoreKeys = collection.assessments.map((_, i) => `score_${i}` as const);
    const maxKeys = collection.assessments.map((_, i) => `max_${i}` as const);
    for await (const r of progressRows(ctx.db, scope, STREAM_CHUNK_ROWS)) {
      const cells: Array<string | number> = [
        ...prefix, r.user_id, text(r.state), text(r.district), text(r.org_name), text(r.school_id), text(r.school_name),
        text(r.block), text(r.cluster), text(r.user_type), text(r.user_sub_type), text(r.board),
        dateCell(r.enrolled_date, ctx.timeZone), dateCell(r.completed_on, ctx.timeZone),
        certificateStatus(r.certificates), progressOf(r, scope), EMPTY,
      ];
      // A score cell (an assessment's, or the total) is empty without a best attempt or without a
      // positive max score; a missing score counts as 0. The total is over the best attempts of the
      // assessments shown, so it agrees with them.
      let scoreSum = 0;
      let maxSum: number | undefined;
      for (let i = 0; i < scoreKeys.length; i++) {
        const score = Number(r[scoreKeys[i]!] ?? 0);
        const max = r[maxKeys[i]!];
        if (max === null || max === undefined) {
          cells.push(EMPTY);
          continue;
        }
        scoreSum += score;
        maxSum = (maxSum ?? 0) + Number(max);
        cells.push(percentCeil(score, Number(max)) ?? EMPTY);
      }
      if (maxSum !== undefined) cells[TOTAL_SCORE] = percentCeil(scoreSum, maxSum) ?? EMPTY;
      yield cells;
    }
  },
});

/**
 * Whole percent of the collection's leaf nodes completed (status 2), half up, at most 100; 100 once
 * the enrolment is completed. A collection without a leaf-node count (missing or 0) has nothing to
 * measure against: 0 rather than an empty cell, so the column stays numeric for spreadsheets.
 */
export function progressOf(r: Pick<ProgressRow, 'completed_on' | 'content_status'>, scope: BatchScope): number {
  if (r.completed_on) return 100;
  const leaves = scope.collection.leafNodesCount;
  if (!leaves || leaves <= 0) return 0;
  return Math.min(100, percentHalfUp(completedContents(r.content_status), leaves));
}

function completedContents(contentStatus: string): number {
  if (!contentStatus.includes('2')) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(contentStatus);
  } catch {
    return 0;
  }
  if (parsed === null || typeof parsed !== 'object') return 0;
  let done = 0;
  // Loose equality: an imported status may be the number 2 or the text "2".
  // eslint-disable-next-line eqeqeq
  for (const status of Object.values(parsed)) if (status == 2) done += 1;
  return done;
}

/** `Issued` when any certificate was issued; empty otherwise, as Sunbird writes it. */
function certificateStatus(certificates: string): string {
  const t = certificates.trim();
  if (t === '' || t === '[]' || t === 'null') return EMPTY;
  try {
    const parsed: unknown = JSON.parse(t);
    return Array.isArray(parsed) && parsed.length > 0 ? 'Issued' : EMPTY;
  } catch {
    return EMPTY;
  }
}
