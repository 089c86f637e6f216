import type { Kysely, Selectable } from 'kysely';
import type { DatasetMetadataTable, Tables } from '../db/database.js';
import { preparedQuery } from '../db/prepared-query.js';

export type DatasetRow = Selectable<DatasetMetadataTable>;

// Every submit looks its dataset up: compiled once (see db/prepared-query.ts).
const datasetById = preparedQuery((db, v: { id: string }) => db.selectFrom('dataset_metadata').selectAll().where('dataset_id', '=', v.id));

export async function findDataset(db: Kysely<Tables>, id: string): Promise<DatasetRow | undefined> {
  return (await datasetById(db, { id })).rows[0];
}

export function listDatasets(db: Kysely<Tables>): Promise<DatasetRow[]> {
  return db.selectFrom('dataset_metadata').selectAll().orderBy('dataset_id').execute();
}

export type DatasetWrite = Omit<DatasetRow, 'created_on' | 'updated_on'>;

/** Registers a dataset or replaces its metadata (Sunbird's add is an upsert too). */
export async function saveDataset(db: Kysely<Tables>, d: DatasetWrite, now: number): Promise<void> {
  const { dataset_id: _id, ...changes } = d;
  await db
    .insertInto('dataset_metadata')
    .values({ ...d, created_on: now, updated_on: now })
    .onConflict((oc) => oc.column('dataset_id').doUpdateSet({ ...changes, updated_on: now }))
    .execute();
}
