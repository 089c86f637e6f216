// Submit, read, list and search of on-demand requests. The caller's channel is already authorized;
// a signed-in person's roles and batches are checked here, where the dataset and batches are known.
import type { Kysely } from 'kysely';
import { actorOf, type Caller } from '../auth/caller.js';
import { grantOnDemand, mentorsBatch, NOT_AUTHORIZED, rolesFor } from '../auth/entitlement.js';
import { addToCounter, CounterName } from '../db/counters.js';
import type { Tables } from '../db/database.js';
import { batchIdsOf } from '../datasets/collection/collection-config.js';
import { checkDatasetConfig, onDemandDataset } from '../datasets/dataset.service.js';
import { clientError, conflict, forbidden, notFound } from '../errors.js';
import { findBatchPeople } from '../records/records.repository.js';
import { sealSecret } from '../secrets.js';
import type { LinkSigner } from '../storage/blob-store.js';
import { type Clock, isIsoDate, startOfDate, addDays } from '../time.js';
import { type JobStatusResponse, toJobStatus } from './job-status.js';
import { channelTag, RequestStatus, RESTARTABLE } from './request.js';
import { requestIdOf } from './request-id.js';
import { appendEvents, EventKind } from './request-event.repository.js';
import { cancelRequest as cancelStored } from './request-queue.repository.js';
import { findRequest, type JobStatusRow, listRequests, type Page, searchRequests, type SearchFilters, upsertRequest } from './request.repository.js';

export interface RequestContext {
  db: Kysely<Tables>;
  clock: Clock;
  timeZone: string;
  /** Key that seals encryption keys at rest. */
  storedKeysKey: Buffer;
  sign: LinkSigner;
  /** Roles a person needs for a dataset without authorizedRoles, and to read and list (EXHAUST_ONDEMAND_ROLES). */
  ondemandRoles: readonly string[];
}

export interface SubmitInput {
  tag?: string;
  dataset?: string;
  datasetConfig?: Record<string, unknown>;
  requestedBy?: string;
  encryptionKey?: string;
  outputFormat?: string;
}

export async function submitRequest(ctx: RequestContext, caller: Caller, input: SubmitInput): Promise<JobStatusResponse> {
  const { channel } = caller;
  // Sunbird's words, in Sunbird's order.
  if (!input.tag) throw clientError('tag is empty');
  if (!input.dataset) throw clientError('dataset is empty');
  if (!input.datasetConfig || Object.keys(input.datasetConfig).length === 0) throw clientError('datasetConfig is empty');
  const dataset = await onDemandDataset(ctx.db, input.dataset);
  let requestedBy = input.requestedBy ?? '';
  if (caller.path === 'user') {
    const { person } = caller;
    const grant = grantOnDemand(person, channel, rolesFor(dataset.authorizedRoles, ctx.ondemandRoles));
    // The person asks for themselves: requestedBy (and so the request id) is the signed-in user.
    if (input.requestedBy !== undefined && input.requestedBy !== person.userId) {
      throw clientError('requestedBy must be the signed-in user (or left out)');
    }
    requestedBy = person.userId;
    if (grant.batchScoped) await requireMentoredBatches(ctx.db, person.userId, batchIdsOf(input.datasetConfig));
  }
  checkDatasetConfig(dataset, input.datasetConfig);
  const outputFormat = input.outputFormat ?? 'csv';
  if (!dataset.supportedFormats.includes(outputFormat)) {
    throw clientError(`outputFormat '${outputFormat}' is not supported by ${input.dataset}; supported: ${dataset.supportedFormats.join(', ')}`);
  }
  if (dataset.encryptionKeyRequired && !input.encryptionKey) {
    throw clientError(`encryptionKey is required for ${input.dataset}: it carries personal data`);
  }
  const now = ctx.clock.now();
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
  // The same ask again the same day (the same requestId) is answered from its row, without a key to
  // seal (only its audit event is written); a FAILED, CANCELLED or EXPIRED one is restarted below. Racing submits meet in
  // the upsert.
  const existing = await findRequest(ctx.db, tag, requestId);
  if (existing && !RESTARTABLE.includes(existing.status as RequestStatus)) {
    await appendEvents(ctx.db, [submitted(caller, existing, now, `the same request again: answered as it stands (${existing.status})`)]);
    return withLinksRecorded(ctx, actorOf(caller), await toJobStatus(existing, ctx.sign));
  }
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
  // No row a moment ago: new, unless a racing submit of the same request inserted it first (its row
  // then carries that submit's time).
  const what = existing ? `restarted: it was ${existing.status}` : row.dt_job_submitted === now ? 'a new request' : `the same request again: answered as it stands (${row.status})`;
  await appendEvents(ctx.db, [submitted(caller, row, now, what)]);
  return toJobStatus(row, ctx.sign);
}

const submitted = (caller: Caller, row: JobStatusRow, at: number, message: string) => ({
  kind: EventKind.submitted,
  requestId: row.request_id,
  tag: row.tag,
  channel: row.requested_channel,
  status: row.status,
  actor: actorOf(caller),
  message,
  at,
});

export async function readRequest(ctx: RequestContext, caller: Caller, tag: string, requestId: string): Promise<JobStatusResponse> {
  return withLinksRecorded(ctx, actorOf(caller), await toJobStatus(await visibleRequest(ctx, caller, tag, requestId), ctx.sign));
}

/** The caller's request of this tag, or a 404: a mentor's request for a batch they do not mentor is as absent to them as another channel's. */
async function visibleRequest(ctx: RequestContext, caller: Caller, tag: string, requestId: string): Promise<JobStatusRow> {
  const mentor = mentorOnly(ctx, caller);
  const row = await findRequest(ctx.db, channelTag(tag, caller.channel), requestId);
  if (!row || (mentor !== undefined && (await visibleTo(ctx.db, mentor, [row])).length === 0)) {
    throw notFound('no job available with the given request_id and tag');
  }
  return row;
}

/**
 * Cancels a SUBMITTED request at once, or a PROCESSING one (its worker stops within about a second
 * and deletes what it stored). Same authorization as read; a final request is a 409 naming its status.
 */
export async function cancelRequestOf(ctx: RequestContext, caller: Caller, tag: string, requestId: string): Promise<JobStatusResponse> {
  const row = await visibleRequest(ctx, caller, tag, requestId);
  const stored = row.tag;
  const now = ctx.clock.now();
  const cancelled = await cancelStored(ctx.db, stored, requestId, now);
  const asked = { kind: EventKind.cancelRequested, requestId, tag: stored, channel: row.requested_channel, actor: actorOf(caller), at: now };
  if (!cancelled) {
    const current = (await findRequest(ctx.db, stored, requestId)) ?? row;
    await appendEvents(ctx.db, [{ ...asked, status: current.status, message: `refused: the request is ${current.status}` }]);
    throw conflict(`the request is ${current.status}: only a SUBMITTED or PROCESSING request can be cancelled`);
  }
  await appendEvents(ctx.db, [{ ...asked, status: cancelled.status, message: `cancelled (it was ${row.status})` }]);
  await addToCounter(ctx.db, CounterName.cancelled, 1);
  return toJobStatus(cancelled, ctx.sign);
}

export async function listRequestsOfTag(
  ctx: RequestContext,
  caller: Caller,
  tag: string,
  status: RequestStatus | undefined,
  page: Page,
): Promise<{ count: number; jobs: JobStatusResponse[] }> {
  const mentor = mentorOnly(ctx, caller);
  const stored = channelTag(tag, caller.channel);
  if (mentor === undefined) {
    const { count, rows } = await listRequests(ctx.db, stored, status, page);
    return { count, jobs: await withLinksRecorded(ctx, actorOf(caller), await Promise.all(rows.map((r) => toJobStatus(r, ctx.sign)))) };
  }
  // A mentor sees the tag's requests whose batches they may see: the tag is read whole (a tag holds
  // the requests of one batch or course, a few per day) and filtered here, so count stays exact.
  const visible: JobStatusRow[] = [];
  for (let offset = 0; ; offset += SCAN_PAGE) {
    const { rows } = await listRequests(ctx.db, stored, status, { limit: SCAN_PAGE, offset });
    visible.push(...(await visibleTo(ctx.db, mentor, rows)));
    if (rows.length < SCAN_PAGE) break;
  }
  const pageRows = visible.slice(page.offset, page.offset + page.limit);
  return { count: visible.length, jobs: await withLinksRecorded(ctx, actorOf(caller), await Promise.all(pageRows.map((r) => toJobStatus(r, ctx.sign)))) };
}

/**
 * Appends a links-issued event for each answer that carries signed links (who asked, how many, until
 * when; never the links), in one statement, and hands the answers through.
 */
async function withLinksRecorded<T extends JobStatusResponse | JobStatusResponse[]>(ctx: RequestContext, actor: string, answer: T): Promise<T> {
  const jobs = Array.isArray(answer) ? answer : [answer];
  const at = ctx.clock.now();
  await appendEvents(
    ctx.db,
    jobs
      .filter((job) => job.downloadUrls.length > 0)
      .map((job) => ({
        kind: EventKind.linksIssued,
        requestId: job.requestId,
        tag: job.tag,
        channel: job.requestedChannel,
        status: job.status,
        actor,
        message: `${job.downloadUrls.length} ${job.downloadUrls.length === 1 ? 'link' : 'links'} valid until ${new Date(job.expiresAt).toISOString()}`,
        at,
      })),
  );
  return answer;
}

const SCAN_PAGE = 1000;

/**
 * Read and list name no dataset: a person needs one of EXHAUST_ONDEMAND_ROLES. The user id when
 * the grant holds for their own batches only; undefined when every request of the tag is theirs
 * to see (an admin, or the consumer path).
 */
function mentorOnly(ctx: RequestContext, caller: Caller): string | undefined {
  if (caller.path !== 'user') return undefined;
  return grantOnDemand(caller.person, caller.channel, ctx.ondemandRoles).batchScoped ? caller.person.userId : undefined;
}

/** Refuses unless the person mentors or created every batch named (and each exists). */
async function requireMentoredBatches(db: Kysely<Tables>, userId: string, batchIds: string[]): Promise<void> {
  const batches = await findBatchPeople(db, batchIds);
  const mentored = new Set(batches.filter((b) => mentorsBatch(userId, b)).map((b) => b.id));
  if (batchIds.length === 0 || !batchIds.every((id) => mentored.has(id))) throw forbidden(NOT_AUTHORIZED);
}

/** The rows whose every batch the user mentors or created. */
async function visibleTo(db: Kysely<Tables>, userId: string, rows: JobStatusRow[]): Promise<JobStatusRow[]> {
  const batchesOf = new Map(rows.map((row) => [row, batchIdsOf(JSON.parse(row.request_data) as Record<string, unknown>)]));
  const batches = await findBatchPeople(db, [...new Set([...batchesOf.values()].flat())]);
  const mentored = new Set(batches.filter((b) => mentorsBatch(userId, b)).map((b) => b.id));
  return rows.filter((row) => {
    const ids = batchesOf.get(row)!;
    return ids.length > 0 && ids.every((id) => mentored.has(id));
  });
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
  return { count, jobs: await withLinksRecorded(ctx, 'admin', await Promise.all(rows.map((r) => toJobStatus(r, ctx.sign)))) };
}
