import { type Kysely, PostgresAdapter } from 'kysely';
import type { Dialect } from '../config.js';

/** The dialect behind a Kysely instance, for the few statements that must differ between them. */
export function dialectOf(db: Pick<Kysely<unknown>, 'getExecutor'>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
