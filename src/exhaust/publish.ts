// Publishing a day's exhaust file (`exhaust publish`, POST /v1/exhaust/publish): the bytes stream
// straight into the store under DESIGN §4's key.
import type { Readable } from 'node:stream';
import { clientError } from '../errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import { isIsoDate } from '../time.js';
import {
  checkDataset,
  containerOf,
  EXTENSION,
  fileKey,
  folderOf,
  isSegment,
  PART,
  parseDayFile,
  type ExhaustScope,
} from './exhaust.js';
import type { ExhaustContext } from './listing.js';

export interface PublishInput {
  dataset: string;
  date: string;
  /** Exactly one of `channel` (standard) and `public`. */
  channel?: string;
  public?: boolean;
  part?: string;
  /** The whole extension, dot included: `.json.gz`. */
  extension: string;
}

export interface PublishTarget {
  scope: ExhaustScope;
  date: string;
  part: string | undefined;
  extension: string;
}

export interface PublishResult {
  container: string;
  key: string;
  size: number;
  /** Earlier files of the day this one replaced (deleted once it was stored). */
  replaced: string[];
}

/** Checks everything before a byte is read; messages name the parameter. */
export function checkPublishInput(ctx: Pick<ExhaustContext, 'config'>, input: PublishInput): PublishTarget {
  const { config } = ctx;
  if ((input.channel !== undefined) === (input.public === true)) throw clientError('give exactly one of channel (standard exhaust) or public');
  const kind = input.public ? 'public' : 'standard';
  checkDataset(config, kind, input.dataset);
  if (!isIsoDate(input.date)) throw clientError('date must be a date in yyyy-MM-dd');
  if (input.channel !== undefined && !isSegment(input.channel)) throw clientError('channel must be 1–200 letters, digits or _ . - (not . or ..)');
  if (input.part !== undefined && !PART.test(input.part)) throw clientError('part must be 1–64 letters, digits, _ or -');
  if (input.extension === '') throw clientError('the file name has no extension (e.g. .csv, .json.gz); the stored name is <date>[-<part>]<extension>');
  if (!EXTENSION.test(input.extension)) {
    throw clientError(`the file extension ${JSON.stringify(input.extension.slice(0, 50))} must be one to four .words of letters, digits, _ or - (e.g. .csv, .json.gz)`);
  }
  const scope: ExhaustScope = input.public ? { kind: 'public', dataset: input.dataset } : { kind: 'standard', dataset: input.dataset, channel: input.channel! };
  return { scope, date: input.date, part: input.part, extension: input.extension };
}

/**
 * Stores the file, then removes what it replaces. Without a part the day holds exactly this file
 * afterwards: the day's earlier file (whatever its extension) and its parts go. With a part only
 * that part is replaced (under any extension); other parts and a whole-day file stay.
 * The old files are listed before the upload and deleted after it, so the day is never empty in
 * between, and a concurrent publish of the same day can leave an extra file but never lose one.
 */
export async function publishExhaustFile(ctx: Pick<ExhaustContext, 'config' | 'store'>, target: PublishTarget, body: Readable): Promise<PublishResult> {
  const { config, store } = ctx;
  const container = containerOf(config, target.scope);
  const key = fileKey(target.scope, target.date, target.part, target.extension);
  const earlier = await dayFiles(store, container, folderOf(target.scope), target.date);
  const { size } = await store.put(container, key, body, { contentType: contentTypeOf(target.extension) });
  const replaced = earlier.filter((f) => f.key !== key && (target.part === undefined || f.part === target.part)).map((f) => f.key);
  for (const old of replaced) await store.delete(container, old);
  return { container, key, size, replaced };
}

/** The day's files as `<date>[-<part>]<ext>` directly in the folder; anything else under the prefix is left alone. */
async function dayFiles(store: BlobStore, container: string, folder: string, date: string) {
  const files: { key: string; part: string | undefined }[] = [];
  for await (const entry of store.list(container, `${folder}${date}`)) {
    const parsed = parseDayFile(entry.key.slice(folder.length));
    if (parsed?.date === date) files.push({ key: entry.key, part: parsed.part });
  }
  return files;
}

const CONTENT_TYPES: Record<string, string> = {
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.gz': 'application/gzip',
  '.zip': 'application/zip',
};

function contentTypeOf(extension: string): string {
  return CONTENT_TYPES[extension.slice(extension.lastIndexOf('.')).toLowerCase()] ?? 'application/octet-stream';
}
