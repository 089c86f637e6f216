// Readers of one field of an imported record (DESIGN §5, §8 "Records"). Each returns the column
// value or throws InvalidRecord with a reason that names the field; a JSON `null` counts as absent.

export type JsonObject = Record<string, unknown>;

export class InvalidRecord extends Error {
  override name = 'InvalidRecord';
}

const invalid = (reason: string) => new InvalidRecord(reason);

const present = (record: JsonObject, field: string): unknown => (record[field] === null ? undefined : record[field]);

/** PostgreSQL text cannot hold U+0000; catching it here keeps one odd line from failing the import. */
function checkText(field: string, value: string): string {
  if (value.includes('\u0000')) throw invalid(`${field} contains a NUL character`);
  return value;
}

/** An identifier: a required, non-blank string, stored as given. */
export function id(record: JsonObject, field: string): string {
  const value = present(record, field);
  if (value === undefined) throw invalid(`${field} is required`);
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  if (value.trim() === '') throw invalid(`${field} is empty`);
  return checkText(field, value);
}

export function text(record: JsonObject, field: string): string | null {
  const value = present(record, field);
  if (value === undefined) return null;
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  return checkText(field, value);
}

// A timestamp without a zone is accepted: the reports read it as UTC (datasets/collection/format.ts),
// never as the server's local time.
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** ISO 8601 date (`2024-01-15`) or timestamp (`2024-01-15T10:00:00Z`); stored as given. */
export function isoDate(record: JsonObject, field: string): string | null {
  const value = text(record, field);
  if (value === null || isIsoDate(value)) return value;
  throw invalid(`${field} must be an ISO 8601 date (2024-01-15) or timestamp (2024-01-15T10:00:00Z), got ${JSON.stringify(value).slice(0, 60)}`);
}

function isIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [year, month, day, hour = '0', minute = '0', second = '0'] = m.slice(1, 7) as [string, string, string, string?, string?, string?];
  // Date.UTC rolls 2024-02-30 over to March: a changed day means the date does not exist.
  const date = new Date(Date.UTC(+year, +month - 1, +day));
  const realDay = date.getUTCFullYear() === +year && date.getUTCMonth() === +month - 1 && date.getUTCDate() === +day;
  return realDay && +hour <= 23 && +minute <= 59 && +second <= 59;
}

/** A boolean as 1/0, `fallback` when absent. */
export function flag(record: JsonObject, field: string, fallback: 0 | 1): 0 | 1 {
  const value = present(record, field);
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(`${field} must be true or false`);
  return value ? 1 : 0;
}

/** Sunbird exports write consent flags as "Yes"/"No"; both spellings and true/false are accepted. */
export function yesNoFlag(record: JsonObject, field: string, fallback: 0 | 1): 0 | 1 {
  const value = present(record, field);
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (word === 'yes') return 1;
    if (word === 'no') return 0;
    throw invalid(`${field} must be true, false, "Yes" or "No"`);
  }
  try {
    return flag(record, field, fallback);
  } catch {
    throw invalid(`${field} must be true, false, "Yes" or "No"`);
  }
}

export function finiteNumber(record: JsonObject, field: string): number | null {
  const value = present(record, field);
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${field} must be a number`);
  return value;
}

/** A non-negative integer that fits PostgreSQL's `integer`. */
export function count(record: JsonObject, field: string): number | null {
  const value = present(record, field);
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 2_147_483_647) {
    throw invalid(`${field} must be a non-negative integer`);
  }
  return value;
}

/** One of `allowed` in any case, stored upper-case. */
export function upperCaseWord(record: JsonObject, field: string, allowed: readonly string[]): string {
  const value = id(record, field).trim().toUpperCase();
  if (!allowed.includes(value)) throw invalid(`${field} must be one of ${allowed.join(', ')}`);
  return value;
}

/** An array stored as JSON text (`[]` when absent); `checkItem` throws for an item it refuses. */
export function jsonArray(record: JsonObject, field: string, checkItem?: (item: unknown, at: string) => unknown): string {
  const value = present(record, field);
  if (value === undefined) return '[]';
  if (!Array.isArray(value)) throw invalid(`${field} must be an array`);
  return JSON.stringify(checkItem ? value.map((item, i) => checkItem(item, `${field}[${i}]`)) : value);
}

/** An object stored as JSON text (`{}` when absent); `checkValue` throws for a value it refuses. */
export function jsonObject(record: JsonObject, field: string, checkValue: (value: unknown, at: string) => void): string {
  const value = present(record, field);
  if (value === undefined) return '{}';
  if (!isObject(value)) throw invalid(`${field} must be an object`);
  for (const [key, entry] of Object.entries(value)) checkValue(entry, `${field}.${key}`);
  return JSON.stringify(value);
}

/** Reads fields of a nested object, naming them `<at>.<field>` in reasons. */
export function within<T>(at: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof InvalidRecord) throw invalid(`${at}.${error.message}`);
    throw error;
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
