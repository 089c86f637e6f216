// The small look-ups done before a report's one streaming query: the batch, its collection, and
// whose users the requesting channel may see.
import type { Kysely } from 'kysely';
import type { Tables } from '../../db/database.js';

export interface Assessment {
  id: string;
  name: string;
}

export interface Collection {
  id: string;
  name: string | null;
  channel: string | null;
  status: string | null;
  userConsent: boolean;
  leafNodesCount: number | null;
  /** Sorted by id (code-unit order, the same on every machine), without repeats. */
  assessments: Assessment[];
}

export interface Batch {
  id: string;
  name: string | null;
}

export interface BatchScope {
  batch: Batch;
  collection: Collection;
  /** The requesting channel. */
  channel: string;
  /**
   * The root org users must belong to, when the requesting channel is not the collection's own
   * (another org sees only its own users); undefined when every enrolled user is in scope.
   */
  rootOrg: string | undefined;
}

/** The scope of one batch for a channel; undefined when the batch or its collection is unknown. */
export async function loadBatchScope(db: Kysely<Tables>, batchId: string, channel: string): Promise<BatchScope | undefined> {
  const row = await db
    .selectFrom('record_batch as b')
    .innerJoin('record_collection as c', 'c.id', 'b.collection_id')
    .where('b.id', '=', batchId)
    .select([
      'b.id as batch_id', 'b.name as batch_name',
      'c.id as collection_id', 'c.name as collection_name', 'c.channel', 'c.status', 'c.user_consent', 'c.leaf_nodes_count', 'c.assessments',
    ])
    .executeTakeFirst();
  if (!row) return undefined;
  const collection: Collection = {
    id: row.collection_id,
    name: row.collection_name,
    channel: row.channel,
    status: row.status,
    userConsent: Number(row.user_consent) === 1,
    leafNodesCount: row.leaf_nodes_count === null ? null : Number(row.leaf_nodes_count),
    assessments: assessmentsOf(row.assessments),
  };
  return {
    batch: { id: row.batch_id, name: row.batch_name },
    collection,
    channel,
    rootOrg: collection.channel === channel ? undefined : channel,
  };
}

export function isRetired(collection: Collection): boolean {
  return collection.status?.toLowerCase() === 'retired';
}

function assessmentsOf(json: string): Assessment[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const byId = new Map<string, Assessment>();
  for (const item of parsed as Array<{ id?: unknown; name?: unknown } | null>) {
    if (typeof item?.id !== 'string' || item.id === '' || byId.has(item.id)) continue;
    byId.set(item.id, { id: item.id, name: typeof item.name === 'string' ? item.name : '' });
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Who a report is about: the active enrolments of the batch (in its collection) joined to their
 * users (`e`, `u`), narrowed to the requesting org's users when the collection is another org's.
 */
export function enrolmentsInScope(db: Kysely<Tables>, scope: BatchScope) {
  return db
    .selectFrom('record_enrolment as e')
    .leftJoin('record_user as u', 'u.id', 'e.user_id')
    .where('e.batch_id', '=', scope.batch.id)
    .where('e.collection_id', '=', scope.collection.id)
    .where('e.active', '=', 1)
    .$if(scope.rootOrg !== undefined, (qb) => qb.where('u.root_org_id', '=', scope.rootOrg!));
}
