// Cells of the collection datasets. An empty cell is always '' (never null), so every cell is a
// string or a number and a test can compare rows exactly.
import { offsetAt } from '../../time.js';

export const EMPTY = '';

/** A text column: null becomes the empty cell. */
export function text(value: string | null | undefined): string {
  return value ?? EMPTY;
}

/** Sunbird writes batch ids with a prefix so spreadsheets do not read them as numbers. */
export function batchIdCell(batchId: string): string {
  return `BatchId_${batchId}`;
}

/** A value taken from imported JSON: primitives as they are, anything else as JSON text. */
export function jsonValueCell(value: unknown): string | number {
  if (value === null || value === undefined) return EMPTY;
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** A value written as JSON text (question options, responses); missing → the empty cell. */
export function jsonCell(value: unknown): string {
  return value === null || value === undefined ? EMPTY : JSON.stringify(value);
}

/**
 * round-half-up(100 × done ÷ total) in integers only, so 1/8 is 13 and not 12 by a rounding
 * accident. `total` must be positive.
 */
export function percentHalfUp(done: number, total: number): number {
  return Math.floor((200 * done + total) / (2 * total));
}

/**
 * ceil(100 × score ÷ max) followed by `%`. Scores are decimals held in binary floating point,
 * where 100 × 0.7 is 70.00000000000001: a quotient within a relative 1e-9 of an integer is that
 * integer before the ceiling is taken. Undefined when max is not positive (no percentage exists).
 */
export function percentCeil(score: number, max: number): string | undefined {
  if (!(max > 0)) return undefined;
  const exact = (100 * score) / max;
  const nearest = Math.round(exact);
  const value = Math.abs(exact - nearest) <= 1e-9 * Math.max(1, Math.abs(exact)) ? nearest : Math.ceil(exact);
  return `${value === 0 ? 0 : value}%`;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ZONE = /(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/;
const HOURS_ONLY_OFFSET = /[+-]\d{2}$/;

interface Civil {
  year: string;
  month: string;
  day: string;
  time: string;
}

const two = (n: number) => String(n).padStart(2, '0');

/**
 * Dates of the records are ISO 8601 text. A date-only value has no zone and is taken as it is; a
 * timestamp is converted to the report's zone (one without an offset is read as UTC, never as the
 * server's local time). Undefined for text that is not a date.
 */
function civil(value: string, zone: string): Civil | undefined {
  const dateOnly = DATE_ONLY.exec(value);
  if (dateOnly) return { year: dateOnly[1]!, month: dateOnly[2]!, day: dateOnly[3]!, time: '00:00:00' };
  const ms = instantOf(value);
  if (Number.isNaN(ms)) return undefined;
  const local = new Date(ms + offsetOf(ms, zone));
  return {
    year: String(local.getUTCFullYear()).padStart(4, '0'),
    month: two(local.getUTCMonth() + 1),
    day: two(local.getUTCDate()),
    time: `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())}`,
  };
}

function instantOf(timestamp: string): number {
  if (!ZONE.test(timestamp)) return Date.parse(`${timestamp}Z`);
  // ISO 8601 allows `+05`, which Date.parse does not read.
  return Date.parse(HOURS_ONLY_OFFSET.test(timestamp) ? `${timestamp}:00` : timestamp);
}

/** `dd/MM/yyyy`; text that is not a date is kept as it is rather than lost. */
export function dateCell(value: string | null, zone: string): string {
  if (!value) return EMPTY;
  const c = civil(value, zone);
  return c ? `${c.day}/${c.month}/${c.year}` : value;
}

/** `yyyy-MM-dd HH:mm:ss`; a date-only value reads as the start of that day. */
export function dateTimeCell(value: string | null, zone: string): string {
  if (!value) return EMPTY;
  const c = civil(value, zone);
  return c ? `${c.year}-${c.month}-${c.day} ${c.time}` : value;
}

// Intl is slow (microseconds a call) and a report formats a date per row. A zone's offset only
// changes at instants on a quarter-hour boundary, so it is looked up once per quarter hour.
const QUARTER_HOUR = 15 * 60 * 1000;
const offsets = new Map<string, Map<number, number>>();

function offsetOf(ms: number, zone: string): number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return 0;
  let cache = offsets.get(zone);
  if (!cache) offsets.set(zone, (cache = new Map()));
  const bucket = Math.floor(ms / QUARTER_HOUR);
  let offset = cache.get(bucket);
  if (offset === undefined) {
    if (cache.size > 100_000) cache.clear();
    offset = offsetAt(bucket * QUARTER_HOUR, zone);
    cache.set(bucket, offset);
  }
  return offset;
}

