import type { Dialect } from '../config.js';

/**
 * The one difference between the dialects in claiming rows (requests by workers and sweepers,
 * webhook deliveries by deliverers). PostgreSQL: many processes claim at once, so the candidate rows
 * are locked and rows other claims hold are skipped (`FOR UPDATE SKIP LOCKED`) — no two claims get
 * the same row and none waits for another. SQLite: an UPDATE takes the database's single write lock
 * before it reads, so picking and claiming are one atomic step already.
 */
// Typed by shape: the candidate query keeps its own tables and row type through the lock.
export function skipLocked<Q extends { forUpdate(): { skipLocked(): unknown } }>(dialect: Dialect, candidates: Q): Q {
  switch (dialect) {
    case 'postgres':
      return candidates.forUpdate().skipLocked() as Q;
    case 'sqlite':
      return candidates;
  }
}
