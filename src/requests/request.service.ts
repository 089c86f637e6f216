// Submit, read, list and search of on-demand requests. Callers have already authorized the channel.
import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import { onDemandDataset } from '../datasets/dataset.service.js';
import { clientError, notFound } from '../errors.js';
import { sealSecret } from '../secrets.js';
import type { LinkSigner } from '../storage/blob-store.js';
import { type Clock, isIsoDate, startOfDate, addDays } from '../time.js';
import { type JobStatusResponse, toJobStatus } from './job-status.js';
import { channelTag, RequestStatus } from './request.js';
import { requestIdOf } from './request-id.js';
import { findRequest, listRequests, type Page, searchRequests, type SearchFilters, upsertRequest } from './request.repository.js';

export interface RequestContext {
  db: Kysely<Tables>;
  clock: Clock;
  timeZone: string;
  /** Key that seals encryption keys at rest. */
  storedKeysKey: Buffer;
  sign: LinkSigner;
}

export interface SubmitInput {
  tag?: string;
  dataset?: string;
  datasetConfig?: Record<string, unknown>;
  requestedBy?: string;
  encryptionKey?: string;
  outputFormat?: string;
}

export async function submitRequest(ctx: RequestContext, channel: string, input: SubmitInput): Promise<JobStatusResponse> {
  // Sunbird's words, in Sunbird's order.
  if (!input.tag) throw clientError('tag is empty');
  if (!input.dataset) throw clientError('dataset is empty');
  if (!input.datasetConfig || Object.keys(input.datasetConfig).length === 0) throw clientError('datasetConfig is empty');
  const dataset = await onDemandDataset(ctx.db, input.dataset, input.datasetConfig);
  const outputFormat = input.outputFormat ?? 'csv';
  if (!dataset.supportedFormats.includes(outputFormat)) {
    throw clientError(`outputFormat '${outputFormat}' is not supported by ${input.dataset}; supported: ${dataset.supportedFormats.join(', ')}`);
  }
  if (dataset.encryptionKeyRequired && !input.encryptionKey) {
    throw clientError(`encryptionKey is required for ${input.dataset}: it carries personal data`);
  }
  const now = ctx.clock.now();
  const requestedBy = input.requestedBy ?? '';
  const type = input.datasetConfig.type;
  const requestId = requestIdOf({
    dataset: input.dataset,
    tag: input.tag,
    requestedBy,
    channel,
    submittedAt: now,
    timeZone: ctx.timeZone,
    ...(type !== undefined && type !== null ? { type: String(type) } : {}),
  });
  const tag = channelTag(input.tag, channel);
  // The same ask again the same day (the same requestId) is answered from its row, with neither a
  // write nor a key to seal; a FAILED one is restarted below. Racing submits meet in the upsert.
  const existing = await findRequest(ctx.db, tag, requestId);
  if (existing && existing.status !== RequestStatus.FAILED) return toJobStatus(existing, ctx.sign);
  const row = await upsertRequest(ctx.db, {
    tag,
    requestId,
    dataset: input.dataset,
    datasetConfig: input.datasetConfig,
    requestedBy,
    channel,
    outputFormat,
    sealedKey: input.encryptionKey ? sealSecret(input.encryptionKey, ctx.storedKeysKey) : null,
    now,
  });
  return toJobStatus(row, ctx.sign);
}

export async function readRequest(ctx: RequestContext, channel: string, tag: string, requestId: string): Promise<JobStatusResponse> {
  const row = await findRequest(ctx.db, channelTag(tag, channel), requestId);
  if (!row) throw notFound('no job available with the given request_id and tag');
  return toJobStatus(row, ctx.sign);
}

export async function listRequestsOfTag(
  ctx: RequestContext,
  channel: string,
  tag: string,
  status: RequestStatus | undefined,
  page: Page,
): Promise<{ count: number; jobs: JobStatusResponse[] }> {
  const { count, rows } = await listRequests(ctx.db, channelTag(tag, channel), status, page);
  return { count, jobs: await Promise.all(rows.map((r) => toJobStatus(r, ctx.sign))) };
}

export interface SearchInput {
  filters?: Record<string, unknown>;
  limit?: number;
  offset?: number;
}

const SEARCH_FILTERS = ['dataset', 'status', 'channel', 'requestedDate', 'requestedBy'] as const;

export async function searchAllRequests(ctx: RequestContext, input: SearchInput): Promise<{ count: number; jobs: JobStatusResponse[] }> {
  const given = input.filters ?? {};
  if (Object.keys(given).length === 0) throw clientError('Filters are empty');
  if (!SEARCH_FILTERS.some((name) => given[name] !== undefined)) {
    throw clientError(`Unsupported filters; supported: ${SEARCH_FILTERS.join(', ')}`);
  }
  const f = given as { dataset?: string; status?: RequestStatus; channel?: string; requestedDate?: string; requestedBy?: string };
  const filters: SearchFilters = {};
  if (f.dataset !== undefined) filters.dataset = f.dataset;
  if (f.status !== undefined) filters.status = f.status;
  if (f.channel !== undefined) filters.channel = f.channel;
  if (f.requestedBy !== undefined) filters.requestedBy = f.requestedBy;
  if (f.requestedDate !== undefined) {
    if (!isIsoDate(f.requestedDate)) throw clientError('filters.requestedDate must be a date in yyyy-MM-dd');
    filters.submittedBetween = [startOfDate(f.requestedDate, ctx.timeZone), startOfDate(addDays(f.requestedDate, 1), ctx.timeZone)];
  }
  const { count, rows } = await searchRequests(ctx.db, filters, { limit: input.limit ?? 10, offset: input.offset ?? 0 });
  return { count, jobs: await Promise.all(rows.map((r) => toJobStatus(r, ctx.sign))) };
}
