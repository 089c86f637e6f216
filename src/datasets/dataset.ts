// What a dataset is to the worker: given a request, a stream of per-batch reports, each a header
// and rows produced straight from the database in chunks (never an array of the whole report).
import type { Database } from '../db/database.js';

export interface ReportRequest {
  requestId: string;
  dataset: string;
  /** The channel the request was made for (X-Channel-ID at submit). */
  channel: string;
  datasetConfig: Record<string, unknown>;
  /** The day the artefact is named after, `yyyyMMdd` in EXHAUST_TZ. */
  day: string;
}

export interface ReportContext {
  /** Read-only use: the worker's report connection (on SQLite a read-only one of its own). */
  database: Database;
  timeZone: string;
}

/** Consecutive rows of a report. */
export type RowChunk = ReadonlyArray<readonly unknown[]>;

/** One CSV of one batch. */
export interface BatchReport {
  batchId: string;
  columns: readonly string[];
  /**
   * The rows in chunks (each chunk non-empty, a few thousand rows at most), so that a row costs no
   * asynchronous step of its own. Cells in column order; null/undefined is an empty cell.
   */
  rows: AsyncIterable<RowChunk>;
}

export interface DatasetBuilder {
  id: string;
  /** The middle part of an artefact's file name: `<batchId>_<reportKey>_<yyyyMMdd>.zip`. */
  reportKey: string;
  /**
   * The reports of a request, one per batch. Throws DataError for a request that can never
   * succeed (no data, retired collection, no consent); anything else is retried.
   */
  reports(ctx: ReportContext, request: ReportRequest): AsyncIterable<BatchReport>;
}

/** A failure in the data itself: the request is FAILED at once, with this message, never retried. */
export class DataError extends Error {
  override name = 'DataError';
}

export const DataErrorMessage = {
  noData: 'No data found',
  retired: 'The request is made for retired collection',
  noConsent: "Invalid request. User info exhaust is not applicable for collections which don't request for user consent to share data",
} as const;
