// The window of dates a standard or public listing covers (DESIGN §3.6, §8 "Dates"). Dates are
// calendar dates `yyyy-MM-dd`; "today" is the caller's business (the clock in EXHAUST_TZ), so this
// file is pure and every hour of every zone is testable.
import { clientError } from '../errors.js';
import { addDays, isIsoDate } from '../time.js';

export const DATE_RANGES = ['LAST_DAY', 'LAST_2_DAYS', 'LAST_7_DAYS', 'LAST_14_DAYS', 'LAST_30_DAYS', 'LAST_WEEK'] as const;
export type DateRangeName = (typeof DATE_RANGES)[number];

/** The query as given; `date` and `date_range` are public-only (the standard route never passes them). */
export interface WindowQuery {
  from?: string;
  to?: string;
  since?: string;
  date?: string;
  date_range?: string;
}

export interface WindowRules {
  /** Today in EXHAUST_TZ. */
  today: string;
  /** Longest allowed `to − from`, days. */
  maxDays: number;
  /** Public only: `from` may not be older than today minus this many months. */
  maxAgeMonths?: number;
}

export interface DateWindow {
  from: string;
  to: string;
}

/**
 * Resolves and checks the window, in DESIGN's order: format, future `to`, negative range, too long,
 * too old. Precedence: `date_range` > `date` > `since` > `from`. Every parameter given is checked for
 * format, even one a stronger parameter overrides: a malformed parameter is a client error either way.
 */
export function resolveWindow(query: WindowQuery, rules: WindowRules): DateWindow {
  if (query.date_range !== undefined && !(DATE_RANGES as readonly string[]).includes(query.date_range)) {
    throw clientError(`Provided dateRange ${query.date_range.slice(0, 50)} is not valid. Please use any one from this list - [${DATE_RANGES.join(', ')}]`);
  }
  for (const name of ['date', 'since', 'from', 'to'] as const) {
    const value = query[name];
    if (value !== undefined && !isIsoDate(value)) throw clientError(`${name} must be a date in yyyy-MM-dd`);
  }
  const { today } = rules;
  const window: DateWindow = query.date_range
    ? dateRangeWindow(query.date_range as DateRangeName, today)
    : query.date
      ? { from: query.date, to: query.date }
      : { from: query.since ?? query.from ?? addDays(today, -1), to: query.to ?? today };

  // ISO dates compare as strings.
  if (window.to > today) throw clientError("'to' should be LESSER OR EQUAL TO today's date..");
  const days = daysBetween(window.from, window.to);
  if (days < 0) throw clientError("Date range should not be -ve. Please check your 'from' & 'to'");
  if (days > rules.maxDays) throw clientError(`Date range should be < ${rules.maxDays} days`);
  if (rules.maxAgeMonths !== undefined && window.from < addMonths(today, -rules.maxAgeMonths)) {
    throw clientError(`Date range cannot be older than ${rules.maxAgeMonths} months`);
  }
  return window;
}

/** LAST_N_DAYS = today−N … today; LAST_DAY = yesterday … today; LAST_WEEK = Monday … Sunday of the previous ISO week. */
export function dateRangeWindow(name: DateRangeName, today: string): DateWindow {
  if (name === 'LAST_WEEK') {
    const monday = addDays(today, -((weekdayOf(today) + 6) % 7));
    return { from: addDays(monday, -7), to: addDays(monday, -1) };
  }
  const days = name === 'LAST_DAY' ? 1 : Number(/^LAST_(\d+)_DAYS$/.exec(name)![1]);
  return { from: addDays(today, -days), to: today };
}

/** Every date of the window, oldest first. */
export function datesOf(window: DateWindow): string[] {
  const dates: string[] = [];
  for (let d = window.from; d <= window.to; d = addDays(d, 1)) dates.push(d);
  return dates;
}

/** `b − a` in whole days. */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** Adds calendar months, keeping the day or clamping it to the month's last (03-31 − 1 month → 02-29). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const lastDay = new Date(Date.UTC(y, m - 1 + months + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m - 1 + months, Math.min(d, lastDay))).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}
