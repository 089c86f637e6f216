// Calendar arithmetic in the configured zone, with Intl only (no date library).

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  return f;
}

function parts(ms: number, zone: string) {
  const p: Record<string, string> = {};
  for (const { type, value } of formatter(zone).formatToParts(ms)) p[type] = value;
  return p as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string>;
}

/** `yyyy-MM-dd` of an instant in a zone. */
export function dateInZone(ms: number, zone: string): string {
  const p = parts(ms, zone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** `yyyy-MM-dd HH:mm:ss` of an instant in a zone. */
export function dateTimeInZone(ms: number, zone: string): string {
  const p = parts(ms, zone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** Offset of the zone from UTC at an instant, in ms. */
export function offsetAt(ms: number, zone: string): number {
  const p = parts(ms, zone);
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant a calendar date (`yyyy-MM-dd`) begins in a zone. */
export function startOfDate(date: string, zone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d);
  // Two passes settle days that start inside a DST jump.
  const first = guess - offsetAt(guess, zone);
  return guess - offsetAt(first, zone);
}

/** Whether a string is a real calendar date in `yyyy-MM-dd`. */
export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** Adds days to a `yyyy-MM-dd` date. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };
