// Builders for hand-made learning records, inserted straight into the record_* tables, and a
// reader that drains a dataset's reports into plain arrays. Each test states its own data.
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import type { Database, RecordAttemptTable, RecordBatchTable, RecordCollectionTable, RecordConsentTable, RecordEnrolmentTable, RecordUserTable, Tables } from '../../src/db/database.js';
import type { DatasetBuilder, ReportRequest } from '../../src/datasets/dataset.js';

type Without<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

export async function insertUser(db: Kysely<Tables>, user: Partial<RecordUserTable> & { id: string }): Promise<void> {
  const blank = {
    first_name: null, last_name: null, email: null, phone: null, root_org_id: null, org_name: null, state: null, district: null,
    block: null, cluster: null, school_id: null, school_name: null, user_type: null, user_sub_type: null, board: null, status: null,
  };
  await db.insertInto('record_user').values({ ...blank, ...user }).execute();
}

export async function insertCollection(
  db: Kysely<Tables>,
  c: Without<RecordCollectionTable, 'name' | 'channel' | 'status' | 'user_consent' | 'leaf_nodes_count' | 'assessments'>,
): Promise<void> {
  await db.insertInto('record_collection').values({ name: null, channel: null, status: 'Live', user_consent: 0, leaf_nodes_count: null, assessments: '[]', ...c }).execute();
}

export async function insertBatch(db: Kysely<Tables>, b: Without<RecordBatchTable, 'name' | 'status' | 'start_date' | 'end_date' | 'created_by' | 'mentors'>): Promise<void> {
  await db.insertInto('record_batch').values({ name: null, status: '1', start_date: null, end_date: null, created_by: null, mentors: null, ...b }).execute();
}

export async function insertEnrolment(
  db: Kysely<Tables>,
  e: Without<RecordEnrolmentTable, 'active' | 'enrolled_date' | 'completed_on' | 'certificates' | 'content_status'>,
): Promise<void> {
  await db.insertInto('record_enrolment').values({ active: 1, enrolled_date: null, completed_on: null, certificates: '[]', content_status: '{}', ...e }).execute();
}

export async function insertAttempt(
  db: Kysely<Tables>,
  a: Without<RecordAttemptTable, 'total_score' | 'total_max_score' | 'last_attempted_on' | 'questions'>,
): Promise<void> {
  await db.insertInto('record_attempt').values({ total_score: null, total_max_score: null, last_attempted_on: null, questions: '[]', ...a }).execute();
}

export async function insertConsent(db: Kysely<Tables>, c: Without<RecordConsentTable, 'status' | 'last_updated_on'>): Promise<void> {
  await db.insertInto('record_consent').values({ status: 'ACTIVE', last_updated_on: null, ...c }).execute();
}

export interface DrainedReport {
  batchId: string;
  columns: readonly string[];
  rows: unknown[][];
}

/** Every report of a request, each read to its end before the next is asked for (as the worker does). */
export async function drain(
  builder: DatasetBuilder,
  database: Database,
  request: Partial<ReportRequest> & Pick<ReportRequest, 'datasetConfig'>,
  timeZone = 'UTC',
): Promise<DrainedReport[]> {
  const full: ReportRequest = { requestId: 'R1', dataset: builder.id, channel: 'channel-a', day: '20240115', ...request };
  const reports: DrainedReport[] = [];
  for await (const report of builder.reports({ database, timeZone }, full)) {
    const rows: unknown[][] = [];
    for await (const chunk of report.rows) {
      assert.ok(chunk.length > 0, 'a chunk of rows is never empty');
      for (const row of chunk) rows.push([...row]);
    }
    reports.push({ batchId: report.batchId, columns: report.columns, rows });
  }
  return reports;
}
