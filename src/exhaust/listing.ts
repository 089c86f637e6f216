// Listing the daily exhaust files of a window: signed URLs for a channel (standard), CDN URLs for
// everyone (public). Sunbird's result shapes (DESIGN §3.6).
import type { Config } from '../config.js';
import type { BlobStore } from '../storage/blob-store.js';
import { dateInZone, type Clock } from '../time.js';
import { datesOf, resolveWindow, type DateWindow, type WindowQuery } from './date-window.js';
import { checkDataset, containerOf, folderOf, type ExhaustScope } from './exhaust.js';

export interface ExhaustContext {
  config: Config;
  store: BlobStore;
  clock: Clock;
}

export interface StandardListing {
  files: string[];
  periodWiseFiles: Record<string, string[]>;
  /** Epoch ms when the links stop working; 0 when there are none (as Sunbird, and as read/list). */
  expiresAt: number;
}

export interface PublicListing {
  files: string[];
  periodWiseFiles: Record<string, string[]>;
  /** Only when nothing was found. */
  message?: string;
}

export const NO_PUBLIC_FILES = 'Files are not available for requested date. Might not yet generated. Please come back later';

/** Today in EXHAUST_TZ, by the injected clock. */
export const todayOf = ({ clock, config }: Pick<ExhaustContext, 'clock' | 'config'>) => dateInZone(clock.now(), config.timeZone);

export async function listStandardExhaust(
  ctx: ExhaustContext,
  channel: string,
  dataset: string,
  query: Pick<WindowQuery, 'from' | 'to' | 'since'>,
): Promise<StandardListing> {
  const { config, store, clock } = ctx;
  checkDataset(config, 'standard', dataset);
  const window = resolveWindow({ from: query.from, to: query.to, since: query.since }, { today: todayOf(ctx), maxDays: config.standardMaxDays });
  const scope: ExhaustScope = { kind: 'standard', dataset, channel };
  const found = await dayFilesOf(store, containerOf(config, scope), folderOf(scope), window);
  if (found.length === 0) return { files: [], periodWiseFiles: {}, expiresAt: 0 };
  // One expiry for the whole answer: every link of it stops working at the `expiresAt` it states.
  const expiresAt = clock.now() + config.urlTtlMinutes * 60_000;
  const urls = await Promise.all(found.map(({ key }) => store.signedUrl(config.container, key, expiresAt)));
  return { ...group(found, urls), expiresAt };
}

export async function listPublicExhaust(ctx: ExhaustContext, dataset: string, query: WindowQuery): Promise<PublicListing> {
  const { config, store } = ctx;
  checkDataset(config, 'public', dataset);
  const window = resolveWindow(query, { today: todayOf(ctx), maxDays: config.publicMaxDays, maxAgeMonths: config.publicMaxAgeMonths });
  const scope: ExhaustScope = { kind: 'public', dataset };
  const found = await dayFilesOf(store, containerOf(config, scope), folderOf(scope), window);
  // Sunbird answers only the message here; DESIGN keeps the (empty) lists beside it so clients need one shape.
  if (found.length === 0) return { files: [], periodWiseFiles: {}, message: NO_PUBLIC_FILES };
  return group(found, found.map(({ key }) => cdnUrl(config, key)));
}

/** `<EXHAUST_CDN_URL>/<key>`, each segment percent-encoded. */
export function cdnUrl(config: Config, key: string): string {
  return `${config.cdnUrl}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

interface DayFile {
  date: string;
  key: string;
}

/**
 * Keys under `<folder><d>` for each date d of the window, oldest date first, keys in order within a
 * day. Listed with one prefix per month of the window, as narrow as its dates allow (`2024-01-1`
 * for the 12th to the 15th), instead of one per date: a store lists a whole folder (local) or
 * answers a round trip (cloud) per call, and the default windows (≤ 31 dates) span ≤ 3 months.
 * Keys come in key order and the date leads the key, so they arrive oldest date first.
 */
async function dayFilesOf(store: BlobStore, container: string, folder: string, window: DateWindow): Promise<DayFile[]> {
  const dates = datesOf(window);
  const wanted = new Set(dates);
  const found: DayFile[] = [];
  for (const prefix of monthPrefixesOf(dates)) {
    for await (const entry of store.list(container, `${folder}${prefix}`)) {
      // Sunbird files a key under the first date of the whole key; we take the date that leads it
      // after the folder, so a dataset or channel that looks like a date cannot mis-file every key.
      const date = entry.key.slice(folder.length, folder.length + DATE_LENGTH);
      if (wanted.has(date)) found.push({ date, key: entry.key });
    }
  }
  return found;
}

const DATE_LENGTH = 'yyyy-mm-dd'.length;

/** Per month of `dates`, the longest prefix its first and last date share. */
export function monthPrefixesOf(dates: readonly string[]): string[] {
  const months = new Map<string, { first: string; last: string }>();
  for (const date of dates) {
    const month = months.get(date.slice(0, 7));
    if (month) month.last = date;
    else months.set(date.slice(0, 7), { first: date, last: date });
  }
  return [...months.values()].map(({ first, last }) => commonPrefix(first, last));
}

function commonPrefix(a: string, b: string): string {
  let n = 0;
  while (n < a.length && a[n] === b[n]) n++;
  return a.slice(0, n);
}

function group(found: DayFile[], urls: string[]): { files: string[]; periodWiseFiles: Record<string, string[]> } {
  const periodWiseFiles: Record<string, string[]> = {};
  found.forEach(({ date }, i) => (periodWiseFiles[date] ??= []).push(urls[i]!));
  return { files: urls, periodWiseFiles };
}
