// Glossary of the daily exhaust (DESIGN §1, §3.6, §4) — the files of this folder use these words:
// - exhaust file: one file of a dataset for one day, made by the platform's pipelines and published here.
// - standard exhaust: per channel, in EXHAUST_CONTAINER under `data-exhaust/<dataset>/<channel>/`,
//   handed out as signed URLs to callers of that channel.
// - public exhaust: for everyone, in EXHAUST_PUBLIC_CONTAINER under `<dataset>/`, handed out as CDN URLs.
// - folder: the key prefix of one dataset (and channel); a day's files are `<folder><date>[-<part>]<ext>`.
// - part: a name that lets a day hold several files (`2024-01-15-0.csv`, `2024-01-15-1.csv`).
// - window: the dates [from, to], both included, that a listing covers.
import type { Config } from '../config.js';
import { clientError } from '../errors.js';

export type ExhaustKind = 'standard' | 'public';

export type ExhaustScope =
  | { readonly kind: 'standard'; readonly dataset: string; readonly channel: string }
  | { readonly kind: 'public'; readonly dataset: string };

/** Where every standard exhaust file lives in EXHAUST_CONTAINER, as in Sunbird's layout. */
export const STANDARD_BASE = 'data-exhaust/';

/** A key segment taken from input (dataset, channel): safe characters, never `.` or `..`. */
const SEGMENT = /^(?!\.+$)[A-Za-z0-9_.-]{1,200}$/;
/** No dots in a part, so `<date>-<part><ext>` reads back unambiguously. */
export const PART = /^[A-Za-z0-9_-]{1,64}$/;
/** One to four `.word`s: `.csv`, `.json.gz`. */
export const EXTENSION = /^(\.[A-Za-z0-9_-]{1,20}){1,4}$/;

export const isSegment = (value: string) => SEGMENT.test(value);

export function datasetsOf(config: Config, kind: ExhaustKind): readonly string[] {
  return kind === 'standard' ? config.standardDatasets : config.publicDatasets;
}

/** Sunbird's message, list included (`[a, b]`), so clients matching on it keep working. */
export function checkDataset(config: Config, kind: ExhaustKind, dataset: string): void {
  const valid = datasetsOf(config, kind);
  if (!valid.includes(dataset)) throw clientError(`Provided dataset is invalid. Please use any one from this list - [${valid.join(', ')}]`);
}

export function containerOf(config: Config, scope: ExhaustScope): string {
  return scope.kind === 'standard' ? config.container : config.publicContainer;
}

/** The key prefix of a dataset (and channel), ending in `/`. Segments are checked: never a path from raw input. */
export function folderOf(scope: ExhaustScope): string {
  if (!isSegment(scope.dataset)) throw clientError('dataset must be 1–200 letters, digits or _ . - (not . or ..)');
  if (scope.kind === 'public') return `${scope.dataset}/`;
  if (!isSegment(scope.channel)) throw clientError('channel must be 1–200 letters, digits or _ . - (not . or ..)');
  return `${STANDARD_BASE}${scope.dataset}/${scope.channel}/`;
}

/** `<folder><date>[-<part>]<extension>` (DESIGN §4). */
export function fileKey(scope: ExhaustScope, date: string, part: string | undefined, extension: string): string {
  return `${folderOf(scope)}${date}${part === undefined ? '' : `-${part}`}${extension}`;
}

/** Suffixes that say how a file is compressed, not what it holds: the one before them counts too. */
const COMPRESSION_SUFFIXES = new Set(['.gz', '.bz2', '.xz', '.zst']);

/**
 * The extension a stored day file keeps: the name's last suffix, and the one before it when the
 * last is a compression suffix (`events.json.gz` → `.json.gz`). Only those: a name made of a channel
 * or a date with dots (`in.ekstep-2024-01-15.csv`) keeps `.csv`, not `.ekstep-2024-01-15.csv`.
 * Leading dots of a hidden file do not count. Undefined when the name has no suffix.
 */
export function extensionOf(fileName: string): string | undefined {
  const name = (fileName.split(/[\\/]/).pop() ?? '').replace(/^\.+/, '');
  const suffixes = name.split('.').slice(1).map((s) => `.${s}`);
  const last = suffixes.pop();
  if (last === undefined || last === '.') return undefined;
  const before = suffixes.pop();
  return COMPRESSION_SUFFIXES.has(last.toLowerCase()) && before !== undefined && before !== '.' ? before + last : last;
}

/** A day file's name inside its folder, read back: `2024-01-15-a.csv` → date, part `a`, `.csv`. */
export function parseDayFile(name: string): { date: string; part: string | undefined; extension: string } | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})(?:-([A-Za-z0-9_-]+))?((?:\.[^./]+)*)$/.exec(name);
  if (!match) return undefined;
  return { date: match[1]!, part: match[2], extension: match[3] ?? '' };
}
