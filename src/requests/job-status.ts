// The wire shape of a request (Sunbird's JobStatusResponse). Times are epoch ms; absent values
// are left out, as Sunbird's serializer does.
import { batchIdsOf } from '../datasets/collection/collection-config.js';
import type { LinkSigner } from '../storage/blob-store.js';
import type { JobStatusRow } from './request.repository.js';

export interface JobStatusResponse {
  requestId: string;
  tag: string;
  dataset: string;
  requestedBy: string;
  requestedChannel: string;
  status: string;
  lastUpdated: number;
  datasetConfig: unknown;
  attempts: number;
  jobStats: { dtJobSubmitted: number; dtJobCompleted?: number; executionTime?: number };
  downloadUrls: string[];
  /** Real expiry of `downloadUrls`; 0 when there are none. */
  expiresAt: number;
  statusMessage?: string;
  /** Beyond Sunbird: how far the build has come (zeros before it starts; the last build's counts after). */
  progress: Progress;
}

export interface Progress {
  batchesDone: number;
  /** The batches asked for (datasetConfig's batchId or batchFilter). */
  batchesTotal: number;
  /** Rows written so far, all batches together. */
  rows: number;
}

export async function toJobStatus(row: JobStatusRow, sign: LinkSigner): Promise<JobStatusResponse> {
  const datasetConfig = JSON.parse(row.request_data) as Record<string, unknown>;
  const keys = row.status === 'SUCCESS' && row.download_urls ? (JSON.parse(row.download_urls) as string[]) : [];
  const links = keys.length > 0 ? await sign(keys) : { urls: [], expiresAt: 0 };
  const jobStats: JobStatusResponse['jobStats'] = { dtJobSubmitted: row.dt_job_submitted };
  if (row.dt_job_completed !== null) jobStats.dtJobCompleted = row.dt_job_completed;
  if (row.execution_time !== null) jobStats.executionTime = row.execution_time;
  const response: JobStatusResponse = {
    requestId: row.request_id,
    tag: row.tag,
    dataset: row.job_id,
    requestedBy: row.requested_by,
    requestedChannel: row.requested_channel,
    status: row.status,
    lastUpdated: row.last_updated,
    datasetConfig,
    attempts: row.iteration,
    jobStats,
    downloadUrls: links.urls,
    expiresAt: links.expiresAt,
    progress: {
      batchesDone: row.progress_batches_done ?? 0,
      batchesTotal: batchIdsOf(datasetConfig).length,
      rows: row.progress_rows ?? 0,
    },
  };
  if (row.err_message !== null) response.statusMessage = row.err_message;
  return response;
}
