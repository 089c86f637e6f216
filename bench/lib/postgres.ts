// A fresh PostgreSQL schema per benchmark, dropped at the end (as test/helpers/databases.ts does).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const DEFAULT_BENCH_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchSchema {
  /** The server URL as given (no schema). */
  baseUrl: string;
  schema: string;
  /** DATABASE_URL for the service: every connection lands in `schema`. */
  url: string;
  /** Runs one statement on a connection in the schema. */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
  /** Closes the connection and leaves the schema in place (to look at it afterwards). */
  close(): Promise<void>;
}

/** libpq's `options` in the URL, which pg understands (psql gets PGOPTIONS instead, see reports). */
export function urlWithSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/** The URL without its password, for RESULTS.md. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Undefined (with the reason) when the server cannot be reached. */
export async function createBenchSchema(baseUrl: string): Promise<BenchSchema | { unavailable: string }> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
    await admin.query(`create schema ${schema}`);
  } catch (error) {
    await admin.end().catch(() => {});
    return { unavailable: (error as Error).message };
  }
  await admin.query(`set search_path = ${schema}`);
  return {
    baseUrl,
    schema,
    url: urlWithSchema(baseUrl, schema),
    async query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []) {
      return (await admin.query<T>(text, values)).rows;
    },
    async drop() {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    },
    close: () => admin.end(),
  };
}
