// The batches a person may ask about, as the reports page lists them: those of their
// organisation's collections (all of them for an admin, those they mentor or created for a
// mentor), with the collection's name and the count of active learners.
import { type Kysely, sql } from 'kysely';
import { mentorsBatch } from '../auth/entitlement.js';
import type { Tables } from '../db/database.js';

export interface CatalogueBatch {
  id: string;
  name: string | null;
  collectionId: string;
  collectionName: string | null;
  /** Active enrolments. */
  learners: number;
  startDate: string | null;
  endDate: string | null;
}

export interface CatalogueQuery {
  /** The person's root organisation: the channel of the collections listed. */
  orgId: string;
  /** Set for a mentor: only the batches this user mentors or created. */
  mentor?: string | undefined;
  /** Text found in the batch's or the collection's name or id (any case). */
  search?: string | undefined;
  /** One batch only. */
  batchId?: string | undefined;
}

/** Enough for any page; a search narrows a larger organisation. */
export const CATALOGUE_LIMIT = 500;

/** `%text%` for LIKE … ESCAPE '\\', the text's own % and _ taken literally. */
const containing = (text: string) => sql<string>`${`%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} escape '\\'`;

export async function batchCatalogue(db: Kysely<Tables>, q: CatalogueQuery): Promise<CatalogueBatch[]> {
  let query = db
    .selectFrom('record_batch as b')
    .innerJoin('record_collection as c', 'c.id', 'b.collection_id')
    .select((eb) => [
      'b.id',
      'b.name',
      'b.collection_id',
      'c.name as collection_name',
      'b.start_date',
      'b.end_date',
      'b.created_by',
      'b.mentors',
      eb
        .selectFrom('record_enrolment as e')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('e.batch_id', '=', 'b.id')
        .where('e.active', '=', 1)
        .as('learners'),
    ])
    .where(sql<string>`lower(c.channel)`, '=', q.orgId.toLowerCase());
  if (q.batchId !== undefined) query = query.where('b.id', '=', q.batchId);
  if (q.mentor !== undefined) {
    // A first cut in SQL (the mentors JSON text holds the quoted id); the exact test follows below.
    const mentor = q.mentor;
    query = query.where((eb) => eb.or([eb('b.created_by', '=', mentor), eb('b.mentors', 'like', containing(JSON.stringify(mentor)))]));
  }
  if (q.search) {
    const pattern = containing(q.search.toLowerCase());
    query = query.where((eb) => eb.or(['b.name', 'b.id', 'c.name', 'c.id'].map((column) => eb(sql`lower(${sql.ref(column)})`, 'like', pattern))));
  }
  const rows = await query.orderBy('c.name').orderBy('b.name').orderBy('b.id').limit(CATALOGUE_LIMIT).execute();
  return rows
    .filter((row) => q.mentor === undefined || mentorsBatch(q.mentor, row))
    .map((row) => ({
      id: row.id,
      name: row.name,
      collectionId: row.collection_id,
      collectionName: row.collection_name,
      learners: Number(row.learners ?? 0),
      startDate: row.start_date,
      endDate: row.end_date,
    }));
}
