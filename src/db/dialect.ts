import { type Kysely, PostgresAdapter } from 'kysely';
import type { Dialect } from '../config.js';

/** The dialect behind a Kysely instance, for the few statements that must differ between them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function dialectOf(db: Kysely<any>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
